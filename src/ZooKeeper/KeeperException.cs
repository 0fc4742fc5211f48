namespace StormSharp.ZooKeeper;

/// <summary>
/// A request failed with a ZooKeeper error code. Codes callers commonly branch on have their own
/// subclass (for example <see cref="NoNodeException"/>); the rest arrive as this type.
/// </summary>
public class KeeperException : Exception
{
    public KeeperException(ErrorCode code, string? path)
        : this(code, path, null)
    {
    }

    public KeeperException(ErrorCode code, string? path, Exception? inner)
        : base(path is null ? $"ZooKeeper error {code} ({(int)code})" : $"ZooKeeper error {code} ({(int)code}) for {path}", inner)
    {
        Code = code;
        Path = path;
    }

    /// <summary>The server's (or the client's, for connection errors) result code.</summary>
    public ErrorCode Code { get; }

    /// <summary>The client path of the failed request, when there was one.</summary>
    public string? Path { get; }

    /// <summary>For a failed <c>MultiAsync</c>: the per-operation results the server returned.</summary>
    public IReadOnlyList<OpResult>? Results { get; internal set; }

    /// <summary>Creates the most specific exception type for <paramref name="code"/>.</summary>
    public static KeeperException Create(ErrorCode code, string? path = null, Exception? inner = null) => code switch
    {
        ErrorCode.NoNode => new NoNodeException(path),
        ErrorCode.NodeExists => new NodeExistsException(path),
        ErrorCode.BadVersion => new BadVersionException(path),
        ErrorCode.NotEmpty => new NotEmptyException(path),
        ErrorCode.NoChildrenForEphemerals => new NoChildrenForEphemeralsException(path),
        ErrorCode.ConnectionLoss => new ConnectionLossException(path, inner),
        ErrorCode.SessionExpired => new SessionExpiredException(path),
        ErrorCode.NoAuth => new NoAuthException(path),
        ErrorCode.AuthFailed => new AuthFailedException(path),
        ErrorCode.InvalidAcl => new InvalidAclException(path),
        _ => new KeeperException(code, path, inner),
    };
}
