using System.Buffers;
using Grpc.Core;

namespace StormSharp.Worker.Transport;

/// <summary>
/// The worker-to-worker gRPC method: a client stream of frames, each one message holding a batch in the engine's
/// wire encoding as raw bytes. No protobuf per tuple or per frame: the marshallers copy bytes, once, between pooled
/// buffers and gRPC's. Who is calling travels in headers (<see cref="TopologyHeader"/>, <see cref="FromHeader"/>,
/// <see cref="LaneHeader"/>, and on a secured cluster <see cref="TokenHeader"/>), checked before the first frame is read.
/// </summary>
internal static class TransferMethods
{
    public const string ServiceName = "stormsharp.worker.Transfer";
    public const string MethodName = "Transfer";
    public const string TopologyHeader = "storm-topology-id";
    public const string FromHeader = "storm-from-worker";
    public const string LaneHeader = "storm-lane";

    /// <summary>The topology's worker token (<c>storm.auth.worker.token</c>), which the receiver compares with its own.</summary>
    public const string TokenHeader = "storm-worker-token";

    /// <summary>The sender's side: frames are memory the outbound path owns until the write completes.</summary>
    public static readonly Method<OutgoingFrame, TransferReply> Send = new(
        MethodType.ClientStreaming,
        ServiceName,
        MethodName,
        new Marshaller<OutgoingFrame>(WriteFrame, _ => throw new NotSupportedException("the sender never reads frames")),
        new Marshaller<TransferReply>((_, c) => WriteEmpty(c), _ => TransferReply.Instance));

    /// <summary>The receiver's side: each frame lands in a pooled buffer the handler returns after delivery.</summary>
    public static readonly Method<ReceivedFrame, TransferReply> Receive = new(
        MethodType.ClientStreaming,
        ServiceName,
        MethodName,
        new Marshaller<ReceivedFrame>((_, _) => throw new NotSupportedException("the receiver never writes frames"), ReadFrame),
        new Marshaller<TransferReply>((_, c) => WriteEmpty(c), _ => TransferReply.Instance));

    private static void WriteFrame(OutgoingFrame frame, SerializationContext context)
    {
        var bytes = frame.Memory.Span;
        context.SetPayloadLength(bytes.Length);
        var writer = context.GetBufferWriter();
        writer.Write(bytes);
        context.Complete();
    }

    private static ReceivedFrame ReadFrame(DeserializationContext context)
    {
        var payload = context.PayloadAsReadOnlySequence();
        var bytes = ArrayPool<byte>.Shared.Rent((int)payload.Length);
        payload.CopyTo(bytes);
        return new ReceivedFrame(bytes, (int)payload.Length);
    }

    // The server's context takes Complete() only after GetBufferWriter(); an empty reply is a complete empty payload.
    private static void WriteEmpty(SerializationContext context) => context.Complete([]);
}

/// <summary>The end of a transfer call; it carries nothing.</summary>
internal sealed class TransferReply
{
    public static readonly TransferReply Instance = new();
}

/// <summary>The frame being written; a channel reuses one, since each write completes before the next.</summary>
internal sealed class OutgoingFrame
{
    public ReadOnlyMemory<byte> Memory { get; set; }
}

/// <summary>One received frame in a pooled buffer; <see cref="Return"/> it once delivered.</summary>
internal sealed class ReceivedFrame(byte[] bytes, int length)
{
    public ReadOnlyMemory<byte> Memory => bytes.AsMemory(0, length);

    public void Return() => ArrayPool<byte>.Shared.Return(bytes);
}
