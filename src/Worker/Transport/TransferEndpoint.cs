using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using StormSharp.Runtime.Serialization;

namespace StormSharp.Worker.Transport;

/// <summary>
/// The receiving end of worker-to-worker transfer, on the worker's slot port. Each call is one lane from one other
/// worker: its frames are delivered in order, and while a frame waits for room in this worker's queues the call
/// reads no further, so HTTP/2 flow control holds the sender back. On a secured cluster a call without this topology's
/// worker token ends with Unauthenticated before its first frame is read (<see cref="TransferAuthenticator"/>). A frame
/// that is not a valid batch of this topology ends the call with InvalidArgument and a log line; the worker and its
/// other calls go on.
/// </summary>
internal sealed class TransferEndpoint(GrpcWorkerTransport transport, ILogger<TransferEndpoint> logger) : TransferService
{
    public override async Task<TransferReply> Transfer(IAsyncStreamReader<ReceivedFrame> frames, ServerCallContext context)
    {
        // Before anything else, and before any frame is read: a stranger learns nothing and hands over nothing.
        transport.Authenticator.Check(context.RequestHeaders, context.GetHttpContext().Connection.RemoteIpAddress);
        var topology = context.RequestHeaders.GetValue(TransferMethods.TopologyHeader);
        var from = context.RequestHeaders.GetValue(TransferMethods.FromHeader) ?? "an unnamed worker";
        var lane = context.RequestHeaders.GetValue(TransferMethods.LaneHeader) ?? "?";
        if (topology is null)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"a transfer call must name its topology in the '{TransferMethods.TopologyHeader}' header"));
        }

        var inbound = transport.InboundOf(topology)
            ?? throw new RpcException(new Status(StatusCode.Unavailable, $"no worker of topology '{topology}' runs at {transport.Endpoint}"));
        var reader = inbound.Open();
        var ct = context.CancellationToken;
        try
        {
            while (await frames.MoveNext(ct).ConfigureAwait(false))
            {
                var frame = frames.Current;
                try
                {
                    await reader.ReceiveAsync(frame.Memory, ct).ConfigureAwait(false);
                }
                finally
                {
                    frame.Return();
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException)
        {
            logger.LogWarning("Dropping the {Lane} transfer from {From} for topology {Topology}: {Problem}", lane, from, topology, e.Message);
            throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
        }

        return TransferReply.Instance;
    }
}

/// <summary>
/// The service declaration gRPC binds: ASP.NET Core's binder finds a handler by name as an override of a method
/// declared on the type that carries <see cref="BindServiceMethodAttribute"/>, the shape generated code has.
/// </summary>
[BindServiceMethod(typeof(TransferService), nameof(BindService))]
internal abstract class TransferService
{
    public static void BindService(ServiceBinderBase binder, TransferService? service) =>
        binder.AddMethod(TransferMethods.Receive, service is null ? null : service.Transfer);

    public abstract Task<TransferReply> Transfer(IAsyncStreamReader<ReceivedFrame> frames, ServerCallContext context);
}
