namespace StormSharp.ZooKeeper;

/// <summary>The session's credentials do not grant the permission the request needs.</summary>
public sealed class NoAuthException : KeeperException
{
    public NoAuthException(string? path = null)
        : base(ErrorCode.NoAuth, path)
    {
    }
}
