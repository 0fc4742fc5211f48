using System.Buffers;
using Grpc.Core;

namespace StormSharp.Benchmarks.Cluster.Peers.RawGrpc;

/// <summary>
/// A client-streaming method of raw frames, marshalled as the workers' transfer method is: the sender's bytes copied
/// once into gRPC's buffer, the receiver's copied once into a pooled array. No protobuf.
/// </summary>
internal static class RawTransferMethods
{
    public static readonly Method<RawFrame, RawReply> Transfer = new(
        MethodType.ClientStreaming,
        "stormsharp.bench.RawTransfer",
        "Transfer",
        new Marshaller<RawFrame>(Write, c => RawFrame.Pooled(c.PayloadAsReadOnlySequence())),
        new Marshaller<RawReply>(WriteEmpty, _ => RawReply.Instance));

    private static void Write(RawFrame frame, SerializationContext context)
    {
        var bytes = frame.Memory.Span;
        context.SetPayloadLength(bytes.Length);
        var writer = context.GetBufferWriter();
        writer.Write(bytes);
        context.Complete();
    }

    private static void WriteEmpty(RawReply reply, SerializationContext context)
    {
        context.SetPayloadLength(0);
        context.Complete();
    }
}
