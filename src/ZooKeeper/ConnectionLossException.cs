namespace StormSharp.ZooKeeper;

/// <summary>The connection dropped before the result arrived; the request may or may not have been applied.</summary>
public sealed class ConnectionLossException : KeeperException
{
    public ConnectionLossException(string? path = null, Exception? inner = null)
        : base(ErrorCode.ConnectionLoss, path, inner)
    {
    }
}
