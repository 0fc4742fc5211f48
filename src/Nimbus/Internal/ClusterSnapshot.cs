using StormSharp.Cluster;

namespace StormSharp.Nimbus.Internal;

/// <summary>
/// The supervisors and assignments one scheduling pass works from; <see cref="Assignments"/> is updated as the pass
/// writes, so later topologies in the same pass see the slots earlier ones took.
/// </summary>
internal sealed class ClusterSnapshot(IReadOnlyDictionary<string, SupervisorInfo> supervisors, Dictionary<string, Assignment> assignments)
{
    public IReadOnlyDictionary<string, SupervisorInfo> Supervisors { get; } = supervisors;

    public Dictionary<string, Assignment> Assignments { get; } = assignments;

    public IReadOnlyDictionary<string, string> NodeHosts => Supervisors.ToDictionary(kv => kv.Key, kv => kv.Value.Host, StringComparer.Ordinal);

    public bool HasSlot(Slot slot) => Supervisors.TryGetValue(slot.NodeId, out var s) && s.SlotPorts.Contains(slot.Port);

    /// <summary>Registered slots no topology other than <paramref name="topologyId"/> uses, in hand-out order.</summary>
    public List<Slot> FreeSlotsFor(string topologyId)
    {
        var used = new HashSet<Slot>();
        foreach (var (id, a) in Assignments)
        {
            if (id != topologyId)
            {
                foreach (var w in a.Workers)
                {
                    used.Add(new Slot(w.NodeId, w.Port));
                }
            }
        }

        return EvenScheduler.SortSlots(Supervisors.SelectMany(kv => kv.Value.SlotPorts.Distinct().Select(p => new Slot(kv.Key, p))).Where(s => !used.Contains(s)));
    }
}
