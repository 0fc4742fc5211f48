using Grpc.Core;
using Microsoft.Extensions.Logging;
using StormSharp.Cluster;
using StormSharp.Cluster.Rpc;
using GrpcNimbus = StormSharp.Cluster.Rpc.Nimbus;

namespace StormSharp.Nimbus.Internal;

/// <summary>
/// The gRPC face of <see cref="NimbusCore"/>: maps what goes wrong to <c>nimbus.proto</c>'s statuses, so a bad
/// request never reaches past its own call.
/// </summary>
internal sealed class NimbusService(NimbusCore core, ILogger<NimbusService> logger) : GrpcNimbus.NimbusBase
{
    private static readonly Empty Done = new();

    public override Task<SubmitReply> SubmitTopology(IAsyncStreamReader<SubmitChunk> requestStream, ServerCallContext context) =>
        Guard("SubmitTopology", async () => new SubmitReply { TopologyId = await core.SubmitAsync(requestStream, context.CancellationToken).ConfigureAwait(false) });

    public override Task<Empty> KillTopology(KillRequest request, ServerCallContext context) =>
        Guard("KillTopology", async () =>
        {
            await core.KillAsync(request.Name, request.WaitSecs, context.CancellationToken).ConfigureAwait(false);
            return Done;
        });

    public override Task<Empty> Activate(TopologyRequest request, ServerCallContext context) =>
        Guard("Activate", async () =>
        {
            await core.ActivateAsync(request.Name, request.Id, context.CancellationToken).ConfigureAwait(false);
            return Done;
        });

    public override Task<Empty> Deactivate(TopologyRequest request, ServerCallContext context) =>
        Guard("Deactivate", async () =>
        {
            await core.DeactivateAsync(request.Name, request.Id, context.CancellationToken).ConfigureAwait(false);
            return Done;
        });

    public override Task<Empty> Rebalance(RebalanceRequest request, ServerCallContext context) =>
        Guard("Rebalance", async () =>
        {
            await core.RebalanceAsync(request.Name, request.WaitSecs, request.NumWorkers, request.Executors, context.CancellationToken).ConfigureAwait(false);
            return Done;
        });

    public override Task<ClusterSummary> GetClusterInfo(Empty request, ServerCallContext context) =>
        Guard("GetClusterInfo", () => core.GetClusterInfoAsync(context.CancellationToken));

    public override Task<TopologyInfo> GetTopologyInfo(TopologyRequest request, ServerCallContext context) =>
        Guard("GetTopologyInfo", () => core.GetTopologyInfoAsync(request, context.CancellationToken));

    public override Task<TopologyConf> GetTopologyConf(TopologyRequest request, ServerCallContext context) =>
        Guard("GetTopologyConf", () => core.GetTopologyConfAsync(request, context.CancellationToken));

    public override Task<TopologyErrors> GetTopologyErrors(TopologyRequest request, ServerCallContext context) =>
        Guard("GetTopologyErrors", () => core.GetTopologyErrorsAsync(request, context.CancellationToken));

    public override Task<TopologyDocumentReply> GetTopologyDocument(TopologyRequest request, ServerCallContext context) =>
        Guard("GetTopologyDocument", () => core.GetTopologyDocumentAsync(request, context.CancellationToken));

    public override Task DownloadPackage(TopologyRequest request, IServerStreamWriter<PackageChunk> responseStream, ServerCallContext context) =>
        Guard("DownloadPackage", async () =>
        {
            await core.DownloadPackageAsync(request, responseStream, context.CancellationToken).ConfigureAwait(false);
            return Done;
        });

    public override Task DownloadBlob(BlobRequest request, IServerStreamWriter<BlobChunk> responseStream, ServerCallContext context) =>
        Guard("DownloadBlob", async () =>
        {
            await core.DownloadBlobAsync(request, responseStream, context.CancellationToken).ConfigureAwait(false);
            return Done;
        });

    public override Task<Empty> SendWorkerHeartbeat(WorkerHeartbeat request, ServerCallContext context) =>
        Guard("SendWorkerHeartbeat", async () =>
        {
            await core.RecordHeartbeatAsync(request, context.CancellationToken).ConfigureAwait(false);
            return Done;
        });

    public override Task<NimbusInfo> GetLeader(Empty request, ServerCallContext context) =>
        Guard("GetLeader", () => core.GetLeaderAsync(context.CancellationToken));

    public override Task<TopologyHeartbeats> GetTopologyHeartbeats(TopologyRequest request, ServerCallContext context) =>
        Guard("GetTopologyHeartbeats", () => core.GetTopologyHeartbeatsAsync(request, context.CancellationToken));

    public override Task<TopologySeries> GetTopologySeries(SeriesRequest request, ServerCallContext context) =>
        Guard("GetTopologySeries", () => core.GetTopologySeriesAsync(request, context.CancellationToken));

    private async Task<T> Guard<T>(string call, Func<Task<T>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (RpcException)
        {
            throw;
        }
        catch (ClusterStateUnavailableException e)
        {
            throw RpcErrors.Unavailable("Nimbus cannot reach ZooKeeper right now: " + e.Message);
        }
        catch (ClusterStateConflictException e)
        {
            throw RpcErrors.Conflict("the topology changed meanwhile; try again: " + e.Message);
        }
        catch (OperationCanceledException)
        {
            throw new RpcException(new Status(StatusCode.Cancelled, call + " was cancelled"));
        }
        catch (Exception e)
        {
            logger.LogError(e, "{Call} failed", call);
            throw new RpcException(new Status(StatusCode.Internal, $"{call} failed in Nimbus: {e.GetType().Name}: {e.Message}"));
        }
    }
}
