using System.Diagnostics;
using StormSharp.Runtime.Execution;
using StormSharp.Runtime.Tuples;

namespace StormSharp.Runtime.Stats;

/// <summary>Sums live executors' stats into a topology's summary, per component, stream and window.</summary>
internal static class TopologyStats
{
    /// <summary>Stats of every component, summed over <paramref name="executors"/> (all workers' executors).</summary>
    public static TopologyInfo Of(TopologyDefinition definition, IReadOnlyList<Executor> executors, TopologyServices services, string status, int workers)
    {
        var streamList = definition.Streams;
        var now = Stopwatch.GetTimestamp();
        var components = new List<ComponentInfo>();
        foreach (var group in executors.GroupBy(e => e.ComponentId))
        {
            var list = group.ToList();
            var windows = new Dictionary<int, IReadOnlyList<StreamStats>>();
            double capacity = 0;
            foreach (var w in StatsWindows.All)
            {
                var sum = new long[streamList.Count * ExecutorStats.MetricCount];
                foreach (var e in list)
                {
                    var values = e.Stats.Window(w, now, out var covered);
                    for (var i = 0; i < sum.Length; i++)
                    {
                        sum[i] += values[i];
                    }

                    if (w == StatsWindows.TenMinutes && covered > 0)
                    {
                        // Busy time: the timed executes' mean latency times every execute.
                        double busy = 0;
                        for (var s = 0; s < streamList.Count; s++)
                        {
                            var b = s * ExecutorStats.MetricCount;
                            var timed = values[b + ExecutorStats.ExecuteTimed];
                            busy += timed == 0 ? 0 : (double)values[b + ExecutorStats.ExecuteLatencyTicks] * values[b + ExecutorStats.Executed] / timed;
                        }

                        capacity = Math.Max(capacity, busy / (covered * Stopwatch.Frequency));
                    }
                }

                windows[w] = StreamsOf(streamList, group.Key, list[0].IsSpout, sum);
            }

            components.Add(new ComponentInfo(
                group.Key,
                list[0].IsSpout,
                list.Count,
                list.Sum(e => e.TaskIds.Length),
                windows,
                list[0].IsSpout ? 0 : capacity,
                services.ErrorsOf(group.Key),
                HeldTuples(list)));
        }

        var order = definition.Executors.Select(p => p.ComponentId).Distinct().ToList();
        components.Sort((a, b) => order.IndexOf(a.Id).CompareTo(order.IndexOf(b.Id)));
        return new TopologyInfo(definition.StormId, definition.Name, status, services.Uptime, workers, executors.Count, definition.TaskCount, components);
    }

    private static long? HeldTuples(List<Executor> executors)
    {
        long? held = null;
        foreach (var e in executors)
        {
            if (e.HeldTuples is { } h)
            {
                held = (held ?? 0) + h;
            }
        }

        return held;
    }

    private static List<StreamStats> StreamsOf(IReadOnlyList<StreamInfo> streamList, string componentId, bool isSpout, long[] sum)
    {
        var result = new List<StreamStats>();
        const int m = ExecutorStats.MetricCount;
        static double Ms(long ticks, long count) => count == 0 ? 0 : ticks * 1000.0 / Stopwatch.Frequency / count;
        foreach (var s in streamList)
        {
            var b = s.Index * m;
            var emitted = sum[b + ExecutorStats.Emitted];
            var acked = sum[b + ExecutorStats.Acked];
            var failed = sum[b + ExecutorStats.Failed];
            var executed = sum[b + ExecutorStats.Executed];
            var own = s.ComponentId == componentId;
            var declared = own && !s.StreamId.StartsWith("__", StringComparison.Ordinal);
            if (own && (declared || emitted != 0 || acked != 0 || failed != 0))
            {
                // Declared streams are listed even when idle, as Storm's UI does.
                result.Add(new StreamStats(
                    s.StreamId, emitted, sum[b + ExecutorStats.Transferred], isSpout ? acked : 0, isSpout ? failed : 0, 0,
                    isSpout ? Ms(sum[b + ExecutorStats.AckLatencyTicks], sum[b + ExecutorStats.AckTimed]) : 0, 0, 0));
            }

            if (!isSpout && (executed > 0 || (!own && (acked > 0 || failed > 0))))
            {
                result.Add(new StreamStats(
                    s.ComponentId + ":" + s.StreamId, 0, 0, acked, failed, executed, 0,
                    Ms(sum[b + ExecutorStats.AckLatencyTicks], sum[b + ExecutorStats.AckTimed]),
                    Ms(sum[b + ExecutorStats.ExecuteLatencyTicks], sum[b + ExecutorStats.ExecuteTimed])));
            }
        }

        return result;
    }
}
