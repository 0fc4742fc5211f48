namespace StormSharp.ZooKeeper;

/// <summary>A node already exists at the path.</summary>
public sealed class NodeExistsException : KeeperException
{
    public NodeExistsException(string? path = null)
        : base(ErrorCode.NodeExists, path)
    {
    }
}
