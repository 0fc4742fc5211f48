namespace StormSharp.Runtime.Configuration;

/// <summary>How the daemons reach ZooKeeper: <c>storm.zookeeper.*</c>.</summary>
internal sealed record ZooKeeperOptions
{
    /// <summary><c>storm.zookeeper.servers</c>: host names or addresses of the ensemble, without ports.</summary>
    public required IReadOnlyList<string> Servers { get; init; }

    /// <summary><c>storm.zookeeper.port</c>: the client port every server listens on.</summary>
    public required int Port { get; init; }

    /// <summary><c>storm.zookeeper.root</c>: the znode under which all cluster state lives, e.g. <c>/storm</c>.</summary>
    public required string Root { get; init; }

    /// <summary><c>storm.zookeeper.session.timeout</c> (milliseconds in the config).</summary>
    public required TimeSpan SessionTimeout { get; init; }

    /// <summary><c>storm.zookeeper.connection.timeout</c> (milliseconds in the config).</summary>
    public required TimeSpan ConnectionTimeout { get; init; }

    /// <summary>
    /// <c>storm.zookeeper.auth.payload</c> when <c>storm.zookeeper.auth.scheme</c> is <c>digest</c>: the
    /// <c>user:password</c> every daemon authenticates with and whose digest the cluster's znodes are locked to; null
    /// when ZooKeeper is open.
    /// </summary>
    public string? DigestAuth { get; init; }

    /// <summary>The ensemble as a ZooKeeper connection string, <c>host1:port,host2:port</c> (IPv6 addresses bracketed).</summary>
    public string ConnectionString => string.Join(',', Servers.Select(s => (s.Contains(':', StringComparison.Ordinal) ? $"[{s}]" : s) + ":" + Port));

    /// <summary><see cref="ConnectionString"/> with <see cref="Root"/> as the chroot, so the client's paths are relative to it.</summary>
    public string ChrootedConnectionString => ConnectionString + (Root == "/" ? string.Empty : Root);

    /// <summary>Reads and validates; throws <see cref="ConfigurationException"/> listing every problem.</summary>
    public static ZooKeeperOptions From(IReadOnlyDictionary<string, object?> conf, string baseDirectory)
    {
        var reader = new ConfigReader(conf, baseDirectory);
        var options = Read(reader);
        reader.ThrowIfProblems();
        return options;
    }

    internal static ZooKeeperOptions Read(ConfigReader r)
    {
        var root = r.String(ClusterKeys.ZooKeeperRoot);
        if (root.Length > 0 && (root[0] != '/' || (root.Length > 1 && root.EndsWith('/')) || root.Contains("//", StringComparison.Ordinal)))
        {
            r.Problem(ClusterKeys.ZooKeeperRoot, $"must be an absolute znode path such as '/storm', not '{root}'");
        }

        var scheme = r.OptionalString(ClusterKeys.ZooKeeperAuthScheme);
        var payload = r.OptionalString(ClusterKeys.ZooKeeperAuthPayload);
        string? digest = null;
        if (scheme is not null && scheme != "digest")
        {
            r.Problem(ClusterKeys.ZooKeeperAuthScheme, $"must be \"digest\" or null, not '{scheme}'");
        }
        else if (scheme is not null)
        {
            var colon = payload?.IndexOf(':', StringComparison.Ordinal) ?? -1;
            if (payload is null || colon <= 0 || colon == payload.Length - 1)
            {
                r.Problem(ClusterKeys.ZooKeeperAuthPayload, "must be user:password when storm.zookeeper.auth.scheme is digest");
            }
            else
            {
                digest = payload;
            }
        }
        else if (payload is not null)
        {
            r.Problem(ClusterKeys.ZooKeeperAuthPayload, "is set but storm.zookeeper.auth.scheme is not; set the scheme to \"digest\" to use it");
        }

        return new ZooKeeperOptions
        {
            DigestAuth = digest,
            Servers = r.Hosts(ClusterKeys.ZooKeeperServers),
            Port = r.Port(ClusterKeys.ZooKeeperPort),
            Root = root,
            SessionTimeout = r.Milliseconds(ClusterKeys.ZooKeeperSessionTimeout),
            ConnectionTimeout = r.Milliseconds(ClusterKeys.ZooKeeperConnectionTimeout),
        };
    }
}
