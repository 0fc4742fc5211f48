namespace StormSharp.ZooKeeper;

/// <summary>The result of one operation of a <c>MultiAsync</c> transaction.</summary>
public abstract record OpResult
{
    /// <summary>The created node's actual path (with sequence suffix, chroot removed).</summary>
    public sealed record CreateResult(string Path) : OpResult;

    public sealed record DeleteResult : OpResult;

    public sealed record SetDataResult(Stat Stat) : OpResult;

    public sealed record CheckResult : OpResult;

    /// <summary>
    /// In a failed transaction every operation reports one: the failing one its code, those before
    /// it <see cref="ErrorCode.Ok"/>, those after it <see cref="ErrorCode.RuntimeInconsistency"/>.
    /// </summary>
    public sealed record ErrorResult(ErrorCode Code) : OpResult;
}
