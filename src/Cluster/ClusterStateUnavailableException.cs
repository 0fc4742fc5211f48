namespace StormSharp.Cluster;

/// <summary>
/// The cluster state could not be reached or the session ended before the operation completed.
/// A write that fails this way may or may not have been applied: re-read before retrying a
/// conditional write, or a retry may report a conflict with itself.
/// </summary>
public sealed class ClusterStateUnavailableException : Exception
{
    public ClusterStateUnavailableException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
