namespace StormSharp.ZooKeeper;

/// <summary>The node (or, for create, its parent) does not exist.</summary>
public sealed class NoNodeException : KeeperException
{
    public NoNodeException(string? path = null)
        : base(ErrorCode.NoNode, path)
    {
    }
}
