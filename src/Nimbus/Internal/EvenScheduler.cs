using StormSharp.Cluster;
using StormSharp.Runtime.Execution;

namespace StormSharp.Nimbus.Internal;

/// <summary>
/// Storm's even scheduler: executors that run on live slots stay where they are; the others are dealt, in
/// definition order (spouts first, the acker last, as <see cref="TopologyAssignment.Deal"/> deals), over free slots
/// taken round-robin across supervisors until the topology has <c>topology.workers</c> workers.
/// </summary>
internal static class EvenScheduler
{
    /// <summary>
    /// Slots in the order they are handed out: each supervisor's ports ascending, interleaved across supervisors
    /// sorted by id, so consecutive workers land on different supervisors.
    /// </summary>
    public static List<Slot> SortSlots(IEnumerable<Slot> slots)
    {
        var byNode = slots.GroupBy(s => s.NodeId, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.OrderBy(s => s.Port).ToList())
            .ToList();
        var result = new List<Slot>();
        for (var i = 0; byNode.Any(n => i < n.Count); i++)
        {
            foreach (var node in byNode)
            {
                if (i < node.Count)
                {
                    result.Add(node[i]);
                }
            }
        }

        return result;
    }

    /// <summary>Computes the topology's assignment.</summary>
    /// <param name="definition">The numbered topology (its executors).</param>
    /// <param name="numWorkers">The workers wanted (<c>topology.workers</c>, or a rebalance's).</param>
    /// <param name="current">The assignment in force, or null to schedule from scratch.</param>
    /// <param name="isAlive">Whether a slot of <paramref name="current"/> still runs its worker.</param>
    /// <param name="free">Free slots in <see cref="SortSlots"/> order; the ones this topology's dead workers held come last.</param>
    /// <param name="nodeHosts">Supervisor id to host, for every registered supervisor.</param>
    /// <param name="nowMs">Start time given to new workers, milliseconds since the Unix epoch.</param>
    public static ScheduleResult Schedule(
        TopologyDefinition definition,
        int numWorkers,
        Assignment? current,
        Func<Slot, bool> isAlive,
        IReadOnlyList<Slot> free,
        IReadOnlyDictionary<string, string> nodeHosts,
        long nowMs)
    {
        var placed = new Dictionary<int, Slot>();
        var startTimes = new Dictionary<Slot, long>();
        if (current is not null)
        {
            var wanted = definition.Executors.ToDictionary(e => e.FirstTask);
            foreach (var w in current.Workers)
            {
                startTimes[new Slot(w.NodeId, w.Port)] = w.StartTimeMs;
            }

            foreach (var e in current.Executors)
            {
                var slot = new Slot(e.NodeId, e.Port);
                if (wanted.TryGetValue(e.FirstTask, out var spec) && spec.Tasks[^1] == e.LastTask && spec.ComponentId == e.Component && isAlive(slot))
                {
                    placed[e.FirstTask] = slot;
                }
            }
        }

        var kept = placed.Values.Distinct().ToList();
        var toPlace = definition.Executors.Where(e => !placed.ContainsKey(e.FirstTask)).ToList();
        var newSlots = free.Where(s => !kept.Contains(s)).Take(Math.Max(0, numWorkers - kept.Count)).ToList();
        var target = newSlots.Count > 0 ? newSlots : SortSlots(kept);
        string message = string.Empty;
        if (toPlace.Count > 0 && target.Count == 0)
        {
            message = $"0 of {numWorkers} workers scheduled: no free slots";
        }
        else
        {
            for (var i = 0; i < toPlace.Count; i++)
            {
                placed[toPlace[i].FirstTask] = target[i % target.Count];
            }

            var workers = kept.Count + newSlots.Count;
            if (workers < numWorkers)
            {
                message = $"{workers} of {numWorkers} workers scheduled: too few free slots";
            }
        }

        var assignment = new Assignment();
        foreach (var spec in definition.Executors)
        {
            if (placed.TryGetValue(spec.FirstTask, out var slot))
            {
                assignment.Executors.Add(new ExecutorAssignment
                {
                    Component = spec.ComponentId,
                    FirstTask = spec.FirstTask,
                    LastTask = spec.Tasks[^1],
                    NodeId = slot.NodeId,
                    Port = slot.Port,
                });
            }
        }

        foreach (var slot in SortSlots(placed.Values.Distinct()))
        {
            // A worker keeps its start time only if it keeps running; a slot reused after its worker died starts anew.
            var start = kept.Contains(slot) && startTimes.TryGetValue(slot, out var t) ? t : nowMs;
            assignment.Workers.Add(new WorkerSlot { NodeId = slot.NodeId, Port = slot.Port, StartTimeMs = start });
            assignment.NodeHosts[slot.NodeId] = nodeHosts.TryGetValue(slot.NodeId, out var host) ? host : slot.NodeId;
        }

        return new ScheduleResult(assignment, message, placed.Count < definition.Executors.Count);
    }
}
