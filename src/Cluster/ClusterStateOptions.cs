namespace StormSharp.Cluster;

/// <summary>Settings shared by both <see cref="IClusterState"/> implementations.</summary>
public sealed class ClusterStateOptions
{
    /// <summary>The root znode of the layout (<c>storm.zookeeper.root</c>). Default <c>/storm</c>.</summary>
    public string Root { get; init; } = "/storm";

    /// <summary>Errors kept per component; older ones are deleted as new ones arrive. Default 10, as in Storm.</summary>
    public int MaxErrorsPerComponent { get; init; } = 10;

    internal void Validate()
    {
        if (string.IsNullOrEmpty(Root) || Root[0] != '/' || (Root.Length > 1 && Root[^1] == '/') || Root.Contains("//", StringComparison.Ordinal))
        {
            throw new ArgumentException($"storm.zookeeper.root must be an absolute znode path without a trailing '/', got '{Root}'", nameof(Root));
        }

        if (MaxErrorsPerComponent < 1)
        {
            throw new ArgumentException($"MaxErrorsPerComponent must be at least 1, got {MaxErrorsPerComponent}", nameof(MaxErrorsPerComponent));
        }
    }
}
