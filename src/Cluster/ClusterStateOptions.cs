using StormSharp.ZooKeeper;

namespace StormSharp.Cluster;

/// <summary>Settings shared by both <see cref="IClusterState"/> implementations.</summary>
public sealed class ClusterStateOptions
{
    /// <summary>The root znode of the layout (<c>storm.zookeeper.root</c>). Default <c>/storm</c>.</summary>
    public string Root { get; init; } = "/storm";

    /// <summary>Errors kept per component; older ones are deleted as new ones arrive. Default 10, as in Storm.</summary>
    public int MaxErrorsPerComponent { get; init; } = 10;

    /// <summary>
    /// ZooKeeper credentials (<c>storm.zookeeper.auth.payload</c>, <c>user:password</c> for the digest scheme), or
    /// null for none. With them the session authenticates first and every znode the cluster creates carries one ACL:
    /// everything for that digest identity, nothing for anyone else, so a client without the credentials can neither
    /// read nor change the cluster's state.
    /// </summary>
    public string? DigestAuth { get; init; }

    /// <summary>The ACL every znode of the cluster is created with: the digest identity's when there are credentials, else open.</summary>
    internal IReadOnlyList<Acl> Acl =>
        DigestAuth is { } auth
            ? [new Acl(Perms.All, "digest", Acls.DigestId(auth[..auth.IndexOf(':', StringComparison.Ordinal)], auth[(auth.IndexOf(':', StringComparison.Ordinal) + 1)..]))]
            : Acls.OpenUnsafe;

    internal void Validate()
    {
        if (string.IsNullOrEmpty(Root) || Root[0] != '/' || (Root.Length > 1 && Root[^1] == '/') || Root.Contains("//", StringComparison.Ordinal))
        {
            throw new ArgumentException($"storm.zookeeper.root must be an absolute znode path without a trailing '/', got '{Root}'", nameof(Root));
        }

        if (DigestAuth is not null && (DigestAuth.IndexOf(':', StringComparison.Ordinal) is var colon && (colon <= 0 || colon == DigestAuth.Length - 1)))
        {
            throw new ArgumentException("storm.zookeeper.auth.payload must be user:password for the digest scheme", nameof(DigestAuth));
        }

        if (MaxErrorsPerComponent < 1)
        {
            throw new ArgumentException($"MaxErrorsPerComponent must be at least 1, got {MaxErrorsPerComponent}", nameof(MaxErrorsPerComponent));
        }
    }
}
