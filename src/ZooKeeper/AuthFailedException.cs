namespace StormSharp.ZooKeeper;

/// <summary>The server rejected the credentials given to AddAuthAsync.</summary>
public sealed class AuthFailedException : KeeperException
{
    public AuthFailedException(string? path = null)
        : base(ErrorCode.AuthFailed, path)
    {
    }
}
