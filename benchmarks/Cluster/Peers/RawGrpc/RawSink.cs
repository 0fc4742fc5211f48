using Grpc.Core;

namespace StormSharp.Benchmarks.Cluster.Peers.RawGrpc;

/// <summary>Receives frames, counts them and returns their buffers; nothing is decoded.</summary>
internal sealed class RawSink(RawCounters counters) : RawTransferService
{
    public override async Task<RawReply> Transfer(IAsyncStreamReader<RawFrame> frames, ServerCallContext context)
    {
        while (await frames.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            var frame = frames.Current;
            counters.Add(frame.Memory.Length);
            frame.Return();
        }

        return RawReply.Instance;
    }
}
