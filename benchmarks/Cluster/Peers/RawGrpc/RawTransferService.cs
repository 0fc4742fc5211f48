using Grpc.AspNetCore.Server;
using Grpc.Core;

namespace StormSharp.Benchmarks.Cluster.Peers.RawGrpc;

/// <summary>The service declaration gRPC binds (the shape generated code has; the binder finds the override by name).</summary>
[BindServiceMethod(typeof(RawTransferService), nameof(BindService))]
internal abstract class RawTransferService
{
    public static void BindService(ServiceBinderBase binder, RawTransferService? service) =>
        binder.AddMethod(RawTransferMethods.Transfer, service is null ? null : service.Transfer);

    public abstract Task<RawReply> Transfer(IAsyncStreamReader<RawFrame> frames, ServerCallContext context);
}
