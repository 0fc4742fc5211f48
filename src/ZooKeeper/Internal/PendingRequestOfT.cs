using System.Threading.Tasks.Sources;

namespace StormSharp.ZooKeeper.Internal;

/// <summary>
/// A request and the awaitable its caller holds: the request object itself is the ValueTask's
/// source, so a request costs one allocation besides its pooled frame and its result.
/// </summary>
internal sealed class PendingRequest<T> : PendingRequest, IValueTaskSource<T>
{
    private readonly ReplyParser<T> _parser;

    // Continuations run on the thread pool so that no caller code ever runs on the reader loop.
    private ManualResetValueTaskSourceCore<T> _core = new() { RunContinuationsAsynchronously = true };
    private CancellationTokenRegistration _cancellation;
    private int _completed;

    public PendingRequest(ref JuteWriter frame, string? path, ReplyParser<T> parser, int fixedXid = 0)
        : base(ref frame, fixedXid, path)
    {
        _parser = parser;
    }

    /// <summary>For exists: NoNode is an answer (null), not an error.</summary>
    public bool NoNodeIsDefault { get; init; }

    /// <summary>The caller's awaitable; await it once (or call AsTask).</summary>
    public ValueTask<T> Task => new(this, _core.Version);

    public override bool IsCompleted => Volatile.Read(ref _completed) != 0;

    public void RegisterCancellation(CancellationToken token)
    {
        if (token.CanBeCanceled)
        {
            _cancellation = token.UnsafeRegister(static (s, t) => ((PendingRequest<T>)s!).Cancel(t), this);
        }
    }

    public override void OnReply(ErrorCode error, ref JuteReader body)
    {
        if (error == ErrorCode.Ok)
        {
            T result;
            try
            {
                result = _parser(ref body);
            }
            catch (KeeperException ex)
            {
                SetException(ex);
                return;
            }
            catch (ProtocolException ex)
            {
                SetException(new ConnectionLossException(Path, ex));
                throw;
            }

            SetResult(result);
        }
        else if (error == ErrorCode.NoNode && NoNodeIsDefault)
        {
            SetResult(default!);
        }
        else
        {
            SetException(KeeperException.Create(error, Path));
        }
    }

    public override void Fail(Exception error)
    {
        ReleaseFrame();
        SetException(error);
    }

    T IValueTaskSource<T>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<T>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<T>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    // Reply, failure and cancellation can race; the first one wins and the core is set exactly once.
    private bool TryClaim() => Interlocked.Exchange(ref _completed, 1) == 0;

    private void SetResult(T result)
    {
        if (TryClaim())
        {
            _cancellation.Dispose();
            _core.SetResult(result);
        }
    }

    private void SetException(Exception error)
    {
        if (TryClaim())
        {
            _cancellation.Dispose();
            _core.SetException(error);
        }
    }

    private void Cancel(CancellationToken token)
    {
        if (TryClaim())
        {
            _core.SetException(new OperationCanceledException(token));
        }
    }
}
