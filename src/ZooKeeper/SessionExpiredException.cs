namespace StormSharp.ZooKeeper;

/// <summary>The session expired: its ephemeral nodes and watches are gone.</summary>
public sealed class SessionExpiredException : KeeperException
{
    public SessionExpiredException(string? path = null)
        : base(ErrorCode.SessionExpired, path)
    {
    }
}
