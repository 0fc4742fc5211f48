namespace StormSharp.ZooKeeper;

/// <summary>The expected version did not match the node's current version.</summary>
public sealed class BadVersionException : KeeperException
{
    public BadVersionException(string? path = null)
        : base(ErrorCode.BadVersion, path)
    {
    }
}
