using System.Collections.Concurrent;
using StormSharp.Cluster.Rpc;

namespace StormSharp.Nimbus.Internal;

/// <summary>
/// The latest heartbeat of every worker, in memory only (never in ZooKeeper: Storm 1's scaling limit). Ages are
/// measured by Nimbus's clock at receipt, so a worker's skewed clock cannot keep it alive or kill it.
/// </summary>
internal sealed class HeartbeatCache
{
    private readonly ConcurrentDictionary<(string Topology, Slot Slot), ReceivedHeartbeat> _latest = new();

    public void Record(WorkerHeartbeat heartbeat, long receivedMs) =>
        _latest[(heartbeat.TopologyId, new Slot(heartbeat.SupervisorId, heartbeat.Port))] = new ReceivedHeartbeat(heartbeat, receivedMs);

    public ReceivedHeartbeat? Get(string topologyId, Slot slot) => _latest.TryGetValue((topologyId, slot), out var h) ? h : null;

    /// <summary>The latest heartbeat of each worker of the topology that has sent one.</summary>
    public IEnumerable<ReceivedHeartbeat> OfTopology(string topologyId)
    {
        foreach (var (key, beat) in _latest)
        {
            if (key.Topology == topologyId)
            {
                yield return beat;
            }
        }
    }

    public void Forget(string topologyId, Slot slot) => _latest.TryRemove((topologyId, slot), out _);

    public void ForgetTopology(string topologyId)
    {
        foreach (var key in _latest.Keys)
        {
            if (key.Topology == topologyId)
            {
                _latest.TryRemove(key, out _);
            }
        }
    }
}
