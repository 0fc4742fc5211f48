using System.Buffers;

namespace StormSharp.ZooKeeper.Internal;

/// <summary>
/// A serialized request on its way to the server and the caller waiting for its reply. The frame
/// is a pooled array owned by the request until the writer has copied it to the socket.
/// </summary>
internal abstract class PendingRequest
{
    private byte[]? _frame;

    protected PendingRequest(ref JuteWriter frame, int fixedXid, string? path)
    {
        frame.FinishFrame();
        _frame = frame.Buffer;
        FrameLength = frame.Length;
        FixedXid = fixedXid;
        Path = path;
    }

    /// <summary>For a constant frame shared by every send (ping).</summary>
    protected PendingRequest(byte[] staticFrame, int fixedXid)
    {
        _frame = staticFrame;
        FrameLength = staticFrame.Length;
        FixedXid = fixedXid;
        StaticFrame = true;
    }

    /// <summary>Non-zero for the reserved xids (ping, auth) that are not matched to replies by order.</summary>
    public int FixedXid { get; }

    public int Xid { get; set; }

    public string? Path { get; }

    public int FrameLength { get; }

    public ReadOnlyMemory<byte> Frame => _frame is { } f ? f.AsMemory(0, FrameLength) : ReadOnlyMemory<byte>.Empty;

    /// <summary>Set when the frame is a shared constant that must not go back to the pool.</summary>
    public bool StaticFrame { get; }

    public WatchKind WatchKind { get; init; }

    public Action<WatchedEvent>? Watcher { get; init; }

    public abstract bool IsCompleted { get; }

    public byte[]? FrameArray => _frame;

    public void ReleaseFrame()
    {
        var f = Interlocked.Exchange(ref _frame, null);
        if (f is not null && !StaticFrame)
        {
            ArrayPool<byte>.Shared.Return(f);
        }
    }

    /// <summary>Called on the reader loop with the reply body; must not run caller code inline.</summary>
    public abstract void OnReply(ErrorCode error, ref JuteReader body);

    public abstract void Fail(Exception error);
}
