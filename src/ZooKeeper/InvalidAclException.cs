namespace StormSharp.ZooKeeper;

/// <summary>The ACL is empty or names an unknown scheme or unauthenticated identity.</summary>
public sealed class InvalidAclException : KeeperException
{
    public InvalidAclException(string? path = null)
        : base(ErrorCode.InvalidAcl, path)
    {
    }
}
