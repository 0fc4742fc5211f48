using System.Globalization;

namespace StormSharp.Cluster.Internal;

/// <summary>The znode paths of the layout documented on <see cref="IClusterState"/>, and the checks on the ids in them.</summary>
internal sealed class ClusterPaths
{
    public const string ErrorPrefix = "e-";

    public ClusterPaths(string root)
    {
        Root = root;
        var prefix = root == "/" ? string.Empty : root;
        Supervisors = prefix + "/supervisors";
        Storms = prefix + "/storms";
        Assignments = prefix + "/assignments";
        Errors = prefix + "/errors";
        Nimbuses = prefix + "/nimbuses";
        LeaderLock = prefix + "/leader-lock";
        Blobstore = prefix + "/blobstore";
    }

    public string Root { get; }

    public string Supervisors { get; }

    public string Storms { get; }

    public string Assignments { get; }

    public string Errors { get; }

    public string Nimbuses { get; }

    public string LeaderLock { get; }

    public string Blobstore { get; }

    /// <summary>The fixed nodes, created up front so that child watches can be set on them.</summary>
    public IEnumerable<string> Layout => [Supervisors, Storms, Assignments, Errors, Nimbuses, LeaderLock, Blobstore];

    public string Supervisor(string id) => Supervisors + "/" + CheckId(id, "supervisor id");

    public string Storm(string topologyId) => Storms + "/" + CheckId(topologyId, "topology id");

    public string Assignment(string topologyId) => Assignments + "/" + CheckId(topologyId, "topology id");

    public string TopologyErrors(string topologyId) => Errors + "/" + CheckId(topologyId, "topology id");

    public string ComponentErrors(string topologyId, string component) => TopologyErrors(topologyId) + "/" + EncodeComponent(component);

    public string Nimbus(string id) => Nimbuses + "/" + CheckId(id, "Nimbus id");

    public string Blob(string key) => Blobstore + "/" + CheckId(key, "blob key");

    public string BlobHolder(string key, string nimbusId) => Blob(key) + "/" + CheckId(nimbusId, "Nimbus id");

    public static string NimbusId(NimbusSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        if (string.IsNullOrEmpty(summary.Host) || summary.Port is <= 0 or > 65535)
        {
            throw new ArgumentException($"a Nimbus summary needs a host and a port in 1..65535, got '{summary.Host}:{summary.Port}'", nameof(summary));
        }

        return CheckId(summary.Host + ":" + summary.Port.ToString(CultureInfo.InvariantCulture), "Nimbus id");
    }

    /// <summary>
    /// Ids become znode names as they are, so that zkCli shows them as Storm does; what ZooKeeper
    /// would refuse (or read as another path) is refused here with the id's role in the message.
    /// </summary>
    public static string CheckId(string id, string role)
    {
        if (string.IsNullOrEmpty(id))
        {
            throw new ArgumentException($"{role} must not be empty", role);
        }

        if (id is "." or "..")
        {
            throw new ArgumentException($"{role} must not be '{id}'", role);
        }

        foreach (var c in id)
        {
            if (c == '/')
            {
                throw new ArgumentException($"{role} '{id}' must not contain '/'", role);
            }

            // ZooKeeper refuses these code points in node names.
            if (c is <= '\u001f' or (>= '\u007f' and <= '\u009f') or (>= '\ud800' and <= '\uf8ff') or >= '\ufff0')
            {
                throw new ArgumentException($"{role} '{id}' contains the unsupported character U+{(int)c:X4}", role);
            }
        }

        return id;
    }

    /// <summary>Component ids are the user's free text, so they are URL-encoded into one node name.</summary>
    public static string EncodeComponent(string component)
    {
        if (string.IsNullOrEmpty(component))
        {
            throw new ArgumentException("component id must not be empty", nameof(component));
        }

        var encoded = Uri.EscapeDataString(component);
        return encoded switch
        {
            "." => "%2E",
            ".." => "%2E%2E",
            _ => encoded,
        };
    }

    /// <summary>The sequence number ZooKeeper appended to a sequential node's name (ten digits), or -1.</summary>
    public static long Sequence(string name) =>
        name.Length >= 10 && long.TryParse(name.AsSpan(name.Length - 10), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;

    public static string Describe(string role, string id) => $"{role} '{id}'";
}
