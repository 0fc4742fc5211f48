using Grpc.Core;
using Microsoft.Extensions.Logging;
using StormSharp.Cluster;
using StormSharp.Cluster.Rpc;
using GrpcNimbus = StormSharp.Cluster.Rpc.Nimbus;

namespace StormSharp.Nimbus.Internal;

/// <summary>
/// The gRPC face of <see cref="NimbusCore"/>: maps what goes wrong to <c>nimbus.proto</c>'s statuses, so a bad
/// request never reaches past its own call. Every call is authorized by <see cref="NimbusGuard"/> first.
/// </summary>
internal sealed class NimbusService(NimbusCore core, NimbusGuard guard, ILogger<NimbusService> logger) : GrpcNimbus.NimbusBase
{
    private static readonly Empty Done = new();
    private static readonly IReadOnlySet<string> NoOne = new HashSet<string>();

    public override Task<SubmitReply> SubmitTopology(IAsyncStreamReader<SubmitChunk> requestStream, ServerCallContext context) =>
        Guard("SubmitTopology", async () =>
        {
            guard.Authorize(context, "SubmitTopology", NimbusAction.Submit, topology: null);
            return new SubmitReply { TopologyId = await core.SubmitAsync(requestStream, guard.Enabled ? NimbusGuard.OwnerOf(context) : null, context.CancellationToken).ConfigureAwait(false) };
        });

    public override Task<Empty> KillTopology(KillRequest request, ServerCallContext context) =>
        Guard("KillTopology", async () =>
        {
            await AuthorizeAsync(context, "KillTopology", NimbusAction.Modify, request.Name, string.Empty).ConfigureAwait(false);
            await core.KillAsync(request.Name, request.WaitSecs, context.CancellationToken).ConfigureAwait(false);
            return Done;
        });

    public override Task<Empty> Activate(TopologyRequest request, ServerCallContext context) =>
        Guard("Activate", async () =>
        {
            await AuthorizeAsync(context, "Activate", NimbusAction.Modify, request.Name, request.Id).ConfigureAwait(false);
            await core.ActivateAsync(request.Name, request.Id, context.CancellationToken).ConfigureAwait(false);
            return Done;
        });

    public override Task<Empty> Deactivate(TopologyRequest request, ServerCallContext context) =>
        Guard("Deactivate", async () =>
        {
            await AuthorizeAsync(context, "Deactivate", NimbusAction.Modify, request.Name, request.Id).ConfigureAwait(false);
            await core.DeactivateAsync(request.Name, request.Id, context.CancellationToken).ConfigureAwait(false);
            return Done;
        });

    public override Task<Empty> Rebalance(RebalanceRequest request, ServerCallContext context) =>
        Guard("Rebalance", async () =>
        {
            await AuthorizeAsync(context, "Rebalance", NimbusAction.Modify, request.Name, string.Empty).ConfigureAwait(false);
            await core.RebalanceAsync(request.Name, request.WaitSecs, request.NumWorkers, request.Executors, context.CancellationToken).ConfigureAwait(false);
            return Done;
        });

    public override Task<ClusterSummary> GetClusterInfo(Empty request, ServerCallContext context) =>
        Guard("GetClusterInfo", () =>
        {
            guard.Authorize(context, "GetClusterInfo", NimbusAction.ClusterInfo, topology: null);
            return core.GetClusterInfoAsync(context.CancellationToken);
        });

    public override Task<TopologyInfo> GetTopologyInfo(TopologyRequest request, ServerCallContext context) =>
        Guard("GetTopologyInfo", async () =>
        {
            await AuthorizeAsync(context, "GetTopologyInfo", NimbusAction.Look, request.Name, request.Id).ConfigureAwait(false);
            return await core.GetTopologyInfoAsync(request, context.CancellationToken).ConfigureAwait(false);
        });

    public override Task<TopologyConf> GetTopologyConf(TopologyRequest request, ServerCallContext context) =>
        Guard("GetTopologyConf", async () =>
        {
            await AuthorizeAsync(context, "GetTopologyConf", NimbusAction.Look, request.Name, request.Id).ConfigureAwait(false);
            return await core.GetTopologyConfAsync(request, context.CancellationToken).ConfigureAwait(false);
        });

    public override Task<TopologyErrors> GetTopologyErrors(TopologyRequest request, ServerCallContext context) =>
        Guard("GetTopologyErrors", async () =>
        {
            await AuthorizeAsync(context, "GetTopologyErrors", NimbusAction.Look, request.Name, request.Id).ConfigureAwait(false);
            return await core.GetTopologyErrorsAsync(request, context.CancellationToken).ConfigureAwait(false);
        });

    public override Task<TopologyDocumentReply> GetTopologyDocument(TopologyRequest request, ServerCallContext context) =>
        Guard("GetTopologyDocument", async () =>
        {
            await AuthorizeAsync(context, "GetTopologyDocument", NimbusAction.Download, request.Name, request.Id).ConfigureAwait(false);
            return await core.GetTopologyDocumentAsync(request, context.CancellationToken).ConfigureAwait(false);
        });

    public override Task DownloadPackage(TopologyRequest request, IServerStreamWriter<PackageChunk> responseStream, ServerCallContext context) =>
        Guard("DownloadPackage", async () =>
        {
            await AuthorizeAsync(context, "DownloadPackage", NimbusAction.Download, request.Name, request.Id).ConfigureAwait(false);
            await core.DownloadPackageAsync(request, responseStream, context.CancellationToken).ConfigureAwait(false);
            return Done;
        });

    public override Task DownloadBlob(BlobRequest request, IServerStreamWriter<BlobChunk> responseStream, ServerCallContext context) =>
        Guard("DownloadBlob", async () =>
        {
            guard.Authorize(context, "DownloadBlob", NimbusAction.Blob, topology: null);
            await core.DownloadBlobAsync(request, responseStream, context.CancellationToken).ConfigureAwait(false);
            return Done;
        });

    public override Task<Empty> SendWorkerHeartbeat(WorkerHeartbeat request, ServerCallContext context) =>
        Guard("SendWorkerHeartbeat", async () =>
        {
            // Only the id is needed to check a worker speaks for its own topology: no lookup on this hot call.
            guard.Authorize(context, "SendWorkerHeartbeat", NimbusAction.Heartbeat, new TopologyAccess(request.TopologyId, request.TopologyId, string.Empty, NoOne, NoOne));
            await core.RecordHeartbeatAsync(request, context.CancellationToken).ConfigureAwait(false);
            return Done;
        });

    public override Task<NimbusInfo> GetLeader(Empty request, ServerCallContext context) =>
        Guard("GetLeader", () =>
        {
            guard.Authorize(context, "GetLeader", NimbusAction.ClusterInfo, topology: null);
            return core.GetLeaderAsync(context.CancellationToken);
        });

    public override Task<TopologyHeartbeats> GetTopologyHeartbeats(TopologyRequest request, ServerCallContext context) =>
        Guard("GetTopologyHeartbeats", async () =>
        {
            await AuthorizeAsync(context, "GetTopologyHeartbeats", NimbusAction.Look, request.Name, request.Id).ConfigureAwait(false);
            return await core.GetTopologyHeartbeatsAsync(request, context.CancellationToken).ConfigureAwait(false);
        });

    public override Task<TopologySeries> GetTopologySeries(SeriesRequest request, ServerCallContext context) =>
        Guard("GetTopologySeries", async () =>
        {
            await AuthorizeAsync(context, "GetTopologySeries", NimbusAction.Look, string.Empty, request.TopologyId).ConfigureAwait(false);
            return await core.GetTopologySeriesAsync(request, context.CancellationToken).ConfigureAwait(false);
        });

    /// <summary>With security on, resolves the topology (NOT_FOUND names it) and checks the caller may act on it.</summary>
    private async Task AuthorizeAsync(ServerCallContext context, string call, NimbusAction action, string name, string id)
    {
        if (guard.Enabled)
        {
            guard.Authorize(context, call, action, await core.AccessAsync(name, id, context.CancellationToken).ConfigureAwait(false));
        }
    }

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
