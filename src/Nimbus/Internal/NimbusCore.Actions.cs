using System.Globalization;
using Microsoft.Extensions.Logging;
using StormSharp.Cluster;
using StormSharp.Runtime.Execution;
using StormSharp.Runtime.Serialization;
using StormSharp.Topology;

namespace StormSharp.Nimbus.Internal;

internal sealed partial class NimbusCore
{
    /// <summary>
    /// Marks the topology KILLED (its spouts stop) and returns; the monitoring loop removes it after
    /// <paramref name="waitSecs"/> (negative: its <c>topology.message.timeout.secs</c>) so tuples in flight can finish.
    /// </summary>
    public async Task KillAsync(string name, int waitSecs, CancellationToken ct)
    {
        await EnsureLeaderAsync(ct).ConfigureAwait(false);
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var (id, stormBase) = await ResolveAsync(name, string.Empty, ct).ConfigureAwait(false);
            if (waitSecs < 0)
            {
                var (_, conf) = TopologyDocument.Read(await ReadDocumentAsync(stormBase.Value, ct).ConfigureAwait(false));
                waitSecs = MessageTimeoutSecs(conf);
            }

            if (stormBase.Value.Status != TopologyStatus.Killed)
            {
                var killed = stormBase.Value.Clone();
                killed.Status = TopologyStatus.Killed;
                await _state.SetStormBaseAsync(id, killed, stormBase.Version, ct).ConfigureAwait(false);
            }

            var wait = TimeSpan.FromSeconds(waitSecs);
            _killDue[id] = NowMs + (long)wait.TotalMilliseconds;
            _logger.LogInformation("Killing topology {Id}; removing it in {Wait} s", id, waitSecs);
            WakeAfter(wait, CancellationToken.None);
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task ActivateAsync(string name, string id, CancellationToken ct) => SetStatusAsync(name, id, TopologyStatus.Active, ct);

    public Task DeactivateAsync(string name, string id, CancellationToken ct) => SetStatusAsync(name, id, TopologyStatus.Inactive, ct);

    private async Task SetStatusAsync(string name, string id, TopologyStatus status, CancellationToken ct)
    {
        await EnsureLeaderAsync(ct).ConfigureAwait(false);
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var (topologyId, stormBase) = await ResolveAsync(name, id, ct).ConfigureAwait(false);
            var next = stormBase.Value.Clone();
            switch (next.Status)
            {
                case TopologyStatus.Killed:
                    throw RpcErrors.Conflict($"topology '{next.Name}' is being killed");
                case TopologyStatus.Rebalancing:
                    // Storm's rule: the status asked for during a rebalance is the one it ends in.
                    next.PreviousStatus = status;
                    break;
                default:
                    next.Status = status;
                    break;
            }

            await _state.SetStormBaseAsync(topologyId, next, stormBase.Version, ct).ConfigureAwait(false);
            _logger.LogInformation("Topology {Id} set to {Status}", topologyId, StatusName(status));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Validates the new worker and executor counts, marks the topology REBALANCING (spouts stop) with the new counts
    /// in its storm base (so a Nimbus restart can finish it), and returns; the monitoring loop reschedules after the wait.
    /// </summary>
    public async Task RebalanceAsync(string name, int waitSecs, int numWorkers, IReadOnlyDictionary<string, int> executors, CancellationToken ct)
    {
        await EnsureLeaderAsync(ct).ConfigureAwait(false);
        if (numWorkers < 0)
        {
            throw RpcErrors.InvalidArgument($"a rebalance needs at least 1 worker, not {numWorkers}");
        }

        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var (id, stormBase) = await ResolveAsync(name, string.Empty, ct).ConfigureAwait(false);
            if (stormBase.Value.Status is TopologyStatus.Killed or TopologyStatus.Rebalancing)
            {
                throw RpcErrors.Conflict($"topology '{stormBase.Value.Name}' is {StatusName(stormBase.Value.Status)}; it cannot be rebalanced now");
            }

            var (topology, conf) = TopologyDocument.Read(await ReadDocumentAsync(stormBase.Value, ct).ConfigureAwait(false));
            var counts = ExecutorCounts(stormBase.Value);
            foreach (var (component, count) in executors)
            {
                counts[component] = count;
            }

            var workers = numWorkers > 0 ? numWorkers : stormBase.Value.NumWorkers;
            conf[Config.TopologyWorkers] = workers;
            TopologyDefinition definition;
            try
            {
                definition = new TopologyDefinition(id, stormBase.Value.Name, topology, conf, _ => null, rebuildComponents: false, executorCounts: counts);
            }
            catch (InvalidTopologyException e)
            {
                throw RpcErrors.InvalidArgument($"topology '{stormBase.Value.Name}' cannot be rebalanced so: " + string.Join("; ", e.Problems.Count > 0 ? e.Problems : [e.Message]));
            }

            if (waitSecs < 0)
            {
                waitSecs = MessageTimeoutSecs(conf);
            }

            var next = stormBase.Value.Clone();
            next.PreviousStatus = next.Status;
            next.Status = TopologyStatus.Rebalancing;
            next.NumWorkers = workers;
            next.ComponentExecutors.Clear();
            foreach (var (component, count) in ExecutorCounts(definition))
            {
                next.ComponentExecutors[component] = count;
            }

            await _state.SetStormBaseAsync(id, next, stormBase.Version, ct).ConfigureAwait(false);
            var wait = TimeSpan.FromSeconds(waitSecs);
            _rebalanceDue[id] = NowMs + (long)wait.TotalMilliseconds;
            _logger.LogInformation("Rebalancing topology {Id} to {Workers} workers in {Wait} s", id, workers, waitSecs);
            WakeAfter(wait, CancellationToken.None);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Writes the document with the new <c>topology.workers</c> under a new key (blobs are write-once: keys are
    /// <c>&lt;id&gt;-document</c>, then <c>&lt;id&gt;-document-2</c>, <c>-3</c>, ...), schedules every executor afresh, and
    /// returns the topology to its previous status; the old document is deleted last.
    /// </summary>
    private async Task CompleteRebalanceAsync(string id, Versioned<StormBase> stormBase, ClusterSnapshot snapshot, CancellationToken ct)
    {
        var oldKey = stormBase.Value.DocumentKey;
        var (topology, conf) = TopologyDocument.Read(await ReadDocumentAsync(stormBase.Value, ct).ConfigureAwait(false));
        conf[Config.TopologyWorkers] = stormBase.Value.NumWorkers;
        var newKey = NextDocumentKey(id, oldKey);

        // A put of this key that a crash interrupted before the storm base pointed at it is ours to replace.
        _blobs.Delete(newKey);
        await _blobs.PutAsync(newKey, new MemoryStream(TopologyDocument.Write(topology, conf)), null, ct).ConfigureAwait(false);
        await _state.AddBlobHolderAsync(newKey, NimbusId, ct).ConfigureAwait(false);
        var next = stormBase.Value.Clone();
        next.DocumentKey = newKey;
        next.Status = next.PreviousStatus is TopologyStatus.Inactive ? TopologyStatus.Inactive : TopologyStatus.Active;
        await ScheduleTopologyAsync(id, next, current: null, snapshot, ct).ConfigureAwait(false);
        await _state.SetStormBaseAsync(id, next, stormBase.Version, ct).ConfigureAwait(false);
        _rebalanceDue.Remove(id);
        if (oldKey != newKey)
        {
            _blobs.Delete(oldKey);
            await _state.RemoveBlobAsync(oldKey, ct).ConfigureAwait(false);
        }

        _logger.LogInformation("Rebalanced topology {Id}: {Workers} workers, back to {Status}", id, next.NumWorkers, StatusName(next.Status));
    }

    private static string NextDocumentKey(string id, string current)
    {
        var prefix = id + "-document";
        var revision = current.Length > prefix.Length + 1 && int.TryParse(current.AsSpan(prefix.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var r) ? r : 1;
        return prefix + "-" + (revision + 1).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Removes the killed topology's blobs, then its storm base, assignment and errors at once. The storm base goes
    /// last, so that whoever sees it gone sees everything gone, and a Nimbus that dies half way finds the topology
    /// still KILLED and finishes (deleting a blob twice is harmless).
    /// </summary>
    private async Task RemoveTopologyAsync(string id, StormBase stormBase, ClusterSnapshot snapshot, CancellationToken ct)
    {
        foreach (var key in new[] { stormBase.PackageKey, stormBase.DocumentKey })
        {
            if (key.Length > 0)
            {
                _blobs.Delete(key);
                await _state.RemoveBlobAsync(key, ct).ConfigureAwait(false);
            }
        }

        await _state.RemoveTopologyAsync(id, ct).ConfigureAwait(false);
        snapshot.Assignments.Remove(id);

        _killDue.Remove(id);
        _rebalanceDue.Remove(id);
        _definitions.TryRemove(id, out _);
        _schedulerMessages.TryRemove(id, out _);
        _heartbeats.ForgetTopology(id);
        _logger.LogInformation("Removed killed topology {Id}", id);
    }
}
