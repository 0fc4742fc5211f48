using StormSharp.Runtime.Execution;

namespace StormSharp.Runtime.Transport;

/// <summary>
/// Moves frames, bytes only, between the workers of a topology: in-process between the workers of a local cluster,
/// over gRPC streams between worker processes. Encoding, bounded buffers and backpressure live in
/// <see cref="OutboundPath"/> and <see cref="InboundPath"/>, which every transport shares, so that each
/// transport only carries bytes and both behave alike.
/// </summary>
internal interface IWorkerTransport
{
    /// <summary>
    /// The path for frames from <paramref name="from"/> to <paramref name="to"/> on <paramref name="lane"/>,
    /// connecting (and reconnecting) as needed. Frames on one channel arrive in the order sent.
    /// </summary>
    IFrameChannel Connect(WorkerEndpoint from, WorkerEndpoint to, TransferLane lane);
}

/// <summary>One direction of one lane from a worker to one executor of another. Used by one sending loop at a time.</summary>
internal interface IFrameChannel : IAsyncDisposable
{
    /// <summary>
    /// Sends one frame; completes when the transport has taken it, so that the caller may reuse its buffer. Waits
    /// (without blocking a thread) while the receiver is slow: that wait is how backpressure crosses workers. A frame
    /// the transport cannot deliver (the peer is gone) is dropped, and the spouts' timeouts replay what it carried.
    /// </summary>
    ValueTask SendAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken);
}

/// <summary>
/// Data tuples and acker traffic between two workers travel on separate lanes. A data lane stalls when its
/// receiver's bolts are full; acker traffic must not wait behind it, or two workers full of each other's tuples
/// could each wait for the other's acks forever. Acker traffic ends in ackers and spouts, which always drain.
/// </summary>
internal enum TransferLane
{
    Data = 0,
    Acking = 1,
}
