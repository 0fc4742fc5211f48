using StormSharp.Cluster.Rpc;

namespace StormSharp.Nimbus.Internal;

/// <summary>What the UI reads beyond topology info: the raw latest heartbeats and the per-second series.</summary>
internal sealed partial class NimbusCore
{
    private readonly StatsSeries _series = new();

    /// <summary>Every worker's latest heartbeat of the topology; only the leader receives them.</summary>
    public async Task<TopologyHeartbeats> GetTopologyHeartbeatsAsync(TopologyRequest request, CancellationToken ct)
    {
        await EnsureLeaderAsync(ct).ConfigureAwait(false);
        var (id, _) = await ResolveAsync(request.Name, request.Id, ct).ConfigureAwait(false);
        var reply = new TopologyHeartbeats();
        foreach (var beat in _heartbeats.OfTopology(id))
        {
            reply.Workers.Add(new WorkerHeartbeatReceipt { Heartbeat = beat.Heartbeat, ReceivedMs = beat.ReceivedMs });
        }

        return reply;
    }

    /// <summary>The per-second series of the topology's executors after <see cref="SeriesRequest.SinceMs"/>.</summary>
    public async Task<TopologySeries> GetTopologySeriesAsync(SeriesRequest request, CancellationToken ct)
    {
        await EnsureLeaderAsync(ct).ConfigureAwait(false);
        if (string.IsNullOrEmpty(request.TopologyId))
        {
            throw RpcErrors.InvalidArgument("a series request needs topology_id");
        }

        var (id, _) = await ResolveAsync(string.Empty, request.TopologyId, ct).ConfigureAwait(false);
        return _series.Query(id, request.SinceMs, NowMs);
    }

    private void RecordSeries(WorkerHeartbeat heartbeat, long receivedMs) => _series.Record(heartbeat, receivedMs);
}
