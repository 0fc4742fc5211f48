using System.Collections.Concurrent;

namespace StormSharp.Connectors.Kafka;

/// <summary>
/// The lag of every Kafka spout task in this process: per partition, the partition's end offset minus the group's
/// committed offset, as the task last measured it (at each commit and partition refresh).
/// </summary>
public static class KafkaSpoutLag
{
    private static readonly ConcurrentDictionary<(string Topology, string Component, string Topic, int Partition), PartitionLag> Lags = new();

    /// <summary>The lag of each partition the spouts of <paramref name="topologyId"/> read, ordered by component, topic and partition.</summary>
    public static IReadOnlyList<PartitionLag> Of(string topologyId)
    {
        var list = new List<PartitionLag>();
        foreach (var (key, lag) in Lags)
        {
            if (key.Topology == topologyId)
            {
                list.Add(lag);
            }
        }

        list.Sort((a, b) => (a.Component, a.Topic, a.Partition).CompareTo((b.Component, b.Topic, b.Partition)));
        return list;
    }

    internal static void Set(string topology, PartitionLag lag) => Lags[(topology, lag.Component, lag.Topic, lag.Partition)] = lag;

    internal static void Remove(string topology, string component, string topic, int partition) =>
        Lags.TryRemove((topology, component, topic, partition), out _);
}

/// <summary>One partition's lag: end offset minus committed offset (-1 committed: nothing committed yet, measured from the start).</summary>
public sealed record PartitionLag(string Component, string Topic, int Partition, long EndOffset, long CommittedOffset, long Lag);
