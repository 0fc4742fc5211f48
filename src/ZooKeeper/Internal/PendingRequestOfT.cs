namespace StormSharp.ZooKeeper.Internal;

internal sealed class PendingRequest<T> : PendingRequest
{
    // Continuations run on the thread pool so that no caller code ever runs on the reader loop.
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ReplyParser<T> _parser;
    private CancellationTokenRegistration _cancellation;

    public PendingRequest(ref JuteWriter frame, string? path, ReplyParser<T> parser, int fixedXid = 0)
        : base(ref frame, fixedXid, path)
    {
        _parser = parser;
    }

    /// <summary>For exists: NoNode is an answer (null), not an error.</summary>
    public bool NoNodeIsDefault { get; init; }

    public Task<T> Task => _completion.Task;

    public override bool IsCompleted => _completion.Task.IsCompleted;

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
                Complete(ex);
                return;
            }
            catch (ProtocolException ex)
            {
                Complete(new ConnectionLossException(Path, ex));
                throw;
            }

            _cancellation.Dispose();
            _completion.TrySetResult(result);
        }
        else if (error == ErrorCode.NoNode && NoNodeIsDefault)
        {
            _cancellation.Dispose();
            _completion.TrySetResult(default!);
        }
        else
        {
            Complete(KeeperException.Create(error, Path));
        }
    }

    public override void Fail(Exception error)
    {
        ReleaseFrame();
        Complete(error);
    }

    private void Complete(Exception error)
    {
        _cancellation.Dispose();
        _completion.TrySetException(error);
    }

    private void Cancel(CancellationToken token) => _completion.TrySetCanceled(token);
}
