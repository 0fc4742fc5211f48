namespace StormSharp.ZooKeeper;

/// <summary>The node has children, so it cannot be deleted.</summary>
public sealed class NotEmptyException : KeeperException
{
    public NotEmptyException(string? path = null)
        : base(ErrorCode.NotEmpty, path)
    {
    }
}
