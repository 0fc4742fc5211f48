using Microsoft.Extensions.Logging;
using StormSharp.Cluster;

namespace StormSharp.Nimbus.Internal;

internal sealed partial class NimbusCore
{
    /// <summary>
    /// Every <c>nimbus.monitor.freq.secs</c>, and whenever woken: the leader finishes due kills and rebalances and
    /// reassigns the executors of dead workers. A follower does nothing. A failed round is logged and the next one runs.
    /// </summary>
    public async Task RunMonitorAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                timeout.CancelAfter(_options.MonitorFrequency);
                try
                {
                    await _wake.Reader.ReadAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    // The period passed without a wake-up: a regular round.
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            if (!IsLeader)
            {
                continue;
            }

            try
            {
                await _gate.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    await MonitorRoundAsync(ct).ConfigureAwait(false);
                }
                finally
                {
                    _gate.Release();
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _logger.LogWarning(e, "Monitoring round failed; the next one retries");
            }
        }
    }

    /// <summary>One round; call under the gate.</summary>
    internal async Task MonitorRoundAsync(CancellationToken ct)
    {
        var now = NowMs;
        var snapshot = await SnapshotAsync(ct).ConfigureAwait(false);
        foreach (var id in await _state.GetActiveStormsAsync(ct).ConfigureAwait(false))
        {
            var stormBase = await _state.GetStormBaseAsync(id, ct).ConfigureAwait(false);
            if (stormBase is null)
            {
                continue;
            }

            try
            {
                switch (stormBase.Value.Status)
                {
                    case TopologyStatus.Killed:
                        // Found KILLED with no deadline of ours: killed under another leader or before a restart. Finish now.
                        if (!_killDue.TryGetValue(id, out var killAt) || killAt <= now)
                        {
                            await RemoveTopologyAsync(id, stormBase.Value, snapshot, ct).ConfigureAwait(false);
                        }

                        break;
                    case TopologyStatus.Rebalancing:
                        if (!_rebalanceDue.TryGetValue(id, out var rebalanceAt) || rebalanceAt <= now)
                        {
                            await CompleteRebalanceAsync(id, stormBase, snapshot, ct).ConfigureAwait(false);
                        }

                        break;
                    default:
                        snapshot.Assignments.TryGetValue(id, out var current);
                        await ScheduleTopologyAsync(id, stormBase.Value, current, snapshot, ct).ConfigureAwait(false);
                        break;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogWarning(e, "Could not manage topology {Id} this round", id);
            }
        }
    }

    private async Task<ClusterSnapshot> SnapshotAsync(CancellationToken ct)
    {
        var supervisors = await _state.GetSupervisorsAsync(ct).ConfigureAwait(false);
        var assignments = (await _state.GetAssignmentsAsync(ct).ConfigureAwait(false)).ToDictionary(kv => kv.Key, kv => kv.Value.Value, StringComparer.Ordinal);
        return new ClusterSnapshot(supervisors, assignments);
    }

    /// <summary>
    /// Keeps executors on live workers and deals the rest over free slots; writes the assignment only when it changed.
    /// With <paramref name="current"/> null, schedules every executor afresh.
    /// </summary>
    private async Task ScheduleTopologyAsync(string id, StormBase stormBase, Assignment? current, ClusterSnapshot snapshot, CancellationToken ct)
    {
        var definition = await DefinitionAsync(id, stormBase, ct).ConfigureAwait(false);
        var now = NowMs;
        var dead = new HashSet<Slot>();
        if (current is not null)
        {
            foreach (var w in current.Workers)
            {
                var slot = new Slot(w.NodeId, w.Port);
                var why = WhyDead(id, slot, w.StartTimeMs, snapshot, now);
                if (why is not null)
                {
                    dead.Add(slot);
                    _logger.LogWarning("Worker {Slot} of {Id} {Why}; reassigning its executors", slot, id, why);
                }
            }
        }

        // Slots whose workers just died go last: another slot is a better bet, but they beat leaving executors unassigned.
        var free = snapshot.FreeSlotsFor(id);
        free = [.. free.Where(s => !dead.Contains(s)), .. free.Where(dead.Contains)];
        // Hosts of registered supervisors, and of those whose workers run on unregistered (kept alive by heartbeats).
        var hosts = new Dictionary<string, string>(snapshot.NodeHosts, StringComparer.Ordinal);
        foreach (var (node, host) in current?.NodeHosts ?? [])
        {
            hosts.TryAdd(node, host);
        }

        var result = EvenScheduler.Schedule(definition, stormBase.NumWorkers, current, s => !dead.Contains(s), free, hosts, now);
        if (result.Message.Length > 0)
        {
            _schedulerMessages[id] = result.Message;
        }
        else
        {
            _schedulerMessages.TryRemove(id, out _);
        }

        if (current is not null && current.Equals(result.Assignment))
        {
            return;
        }

        await _state.SetAssignmentAsync(id, result.Assignment, StateVersion.Any, ct).ConfigureAwait(false);
        snapshot.Assignments[id] = result.Assignment;
        var started = result.Assignment.Workers.Where(w => w.StartTimeMs == now).Select(w => new Slot(w.NodeId, w.Port)).ToHashSet();
        foreach (var w in current?.Workers ?? [])
        {
            var slot = new Slot(w.NodeId, w.Port);
            if (started.Contains(slot) || !result.Assignment.Workers.Any(x => x.NodeId == w.NodeId && x.Port == w.Port))
            {
                _heartbeats.Forget(id, slot);
            }
        }

        _logger.LogInformation(
            "Assigned {Id}: {Executors} executors on {Workers} workers{Message}",
            id,
            result.Assignment.Executors.Count,
            result.Assignment.Workers.Count,
            result.Message.Length > 0 ? " (" + result.Message + ")" : string.Empty);
    }

    /// <summary>Why the worker on <paramref name="slot"/> counts as dead, or null when it is alive.</summary>
    private string? WhyDead(string id, Slot slot, long startTimeMs, ClusterSnapshot snapshot, long now)
    {
        var supervisorKnown = snapshot.Supervisors.ContainsKey(slot.NodeId);
        if (supervisorKnown && !snapshot.HasSlot(slot))
        {
            return "is on a port its supervisor no longer offers";
        }

        // Launch grace counts from the worker's start or from when this Nimbus began to lead, whichever is later.
        var since = Math.Max(startTimeMs, Interlocked.Read(ref _leaderSinceMs));
        var beat = _heartbeats.Get(id, slot);
        if (!supervisorKnown)
        {
            // A supervisor's registration can lapse while its workers run on (it restarts, or its ZooKeeper session
            // expired): as in Storm, the data plane does not depend on it. Its workers move only once they fall
            // silent too; never heard from since this Nimbus leads, they count as gone with it.
            var beating = beat is not null && beat.ReceivedMs >= since && now - beat.ReceivedMs <= (long)_options.TaskTimeout.TotalMilliseconds;
            return beating ? null : "lost its supervisor and sends no heartbeats";
        }

        if (beat is null || beat.ReceivedMs < since)
        {
            return now - since > (long)_options.TaskLaunchTimeout.TotalMilliseconds
                ? $"sent no heartbeat within nimbus.task.launch.secs ({_options.TaskLaunchTimeout.TotalSeconds:0} s)"
                : null;
        }

        return now - beat.ReceivedMs > (long)_options.TaskTimeout.TotalMilliseconds
            ? $"sent no heartbeat for nimbus.task.timeout.secs ({_options.TaskTimeout.TotalSeconds:0} s)"
            : null;
    }
}
