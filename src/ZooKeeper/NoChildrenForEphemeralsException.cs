namespace StormSharp.ZooKeeper;

/// <summary>Ephemeral nodes cannot have children.</summary>
public sealed class NoChildrenForEphemeralsException : KeeperException
{
    public NoChildrenForEphemeralsException(string? path = null)
        : base(ErrorCode.NoChildrenForEphemerals, path)
    {
    }
}
