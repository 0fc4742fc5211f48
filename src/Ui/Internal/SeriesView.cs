using System.Text.Json.Nodes;
using StormSharp.Cluster.Rpc;

namespace StormSharp.Ui.Internal;

/// <summary>
/// Nimbus's per-executor series regrouped for the charts, one point per second: per executor, per component (rates
/// summed over executors, latencies weighted by their counts, p99 and capacity the largest executor's) and for the
/// topology (spouts' acks, failures and complete latency; every non-system component's emits).
/// </summary>
internal static class SeriesView
{
    private static readonly string[] ExecutorFields = ["emitted", "transferred", "acked", "failed", "executed", "completeLatencyMs", "executeLatencyMs", "processLatencyMs", "capacity", "latencyP99Ms"];

    /// <summary>Seconds after <paramref name="afterSec"/> up to and including <paramref name="uptoSec"/> (Unix seconds, Nimbus's clock).</summary>
    public static JsonObject Build(TopologySeries series, long afterSec, long uptoSec)
    {
        var components = new JsonArray();
        var topology = new Dictionary<long, Sum>();
        foreach (var group in series.Executors.GroupBy(e => e.Component).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var spout = group.First().Spout;
            var perSecond = new SortedDictionary<long, Sum>();
            var executors = new JsonArray();
            foreach (var e in group.OrderBy(e => e.FirstTask))
            {
                var points = PerSecond(e, afterSec, uptoSec);
                var o = new JsonObject
                {
                    ["id"] = StormFormat.ExecutorId(e.FirstTask, e.LastTask),
                    ["host"] = e.Host,
                    ["port"] = e.Port,
                    ["t"] = new JsonArray([.. points.Keys.Select(s => (JsonNode)(s * 1000))]),
                };
                foreach (var f in ExecutorFields)
                {
                    o[f] = new JsonArray([.. points.Values.Select(p => (JsonNode)Math.Round(p.Get(f), 4))]);
                }

                executors.Add(o);
                foreach (var (second, p) in points)
                {
                    if (!perSecond.TryGetValue(second, out var sum))
                    {
                        perSecond[second] = sum = new Sum();
                    }

                    sum.Add(p);
                    if (!StormFormat.IsSystemId(e.Component))
                    {
                        if (!topology.TryGetValue(second, out var all))
                        {
                            topology[second] = all = new Sum();
                        }

                        all.AddEmits(p);
                        if (spout)
                        {
                            all.AddTrees(p);
                        }
                    }
                }
            }

            var c = new JsonObject { ["id"] = group.Key, ["spout"] = spout, ["t"] = new JsonArray([.. perSecond.Keys.Select(s => (JsonNode)(s * 1000))]) };
            foreach (var f in ExecutorFields)
            {
                c[f] = new JsonArray([.. perSecond.Values.Select(p => (JsonNode)Math.Round(p.Get(f), 4))]);
            }

            c["executors"] = executors;
            components.Add(c);
        }

        var ordered = topology.OrderBy(kv => kv.Key).ToList();
        var t = new JsonObject { ["t"] = new JsonArray([.. ordered.Select(kv => (JsonNode)(kv.Key * 1000))]) };
        foreach (var f in new[] { "emitted", "acked", "failed", "completeLatencyMs", "latencyP99Ms" })
        {
            t[f] = new JsonArray([.. ordered.Select(kv => (JsonNode)Math.Round(kv.Value.Get(f), 4))]);
        }

        return new JsonObject { ["nowMs"] = series.NowMs, ["from"] = (afterSec + 1) * 1000, ["to"] = uptoSec * 1000, ["topology"] = t, ["components"] = components };
    }

    /// <summary>An executor's points by second; two in one second (heartbeat jitter) are averaged.</summary>
    private static SortedDictionary<long, Sum> PerSecond(ExecutorSeries e, long afterSec, long uptoSec)
    {
        var result = new SortedDictionary<long, Sum>();
        for (var i = 0; i < e.TimeMs.Count; i++)
        {
            var second = e.TimeMs[i] / 1000;
            if (second <= afterSec || second > uptoSec)
            {
                continue;
            }

            var p = new Sum
            {
                Emitted = e.Emitted[i],
                Transferred = e.Transferred[i],
                Acked = e.Acked[i],
                Failed = e.Failed[i],
                Executed = e.Executed[i],
                CompleteWeighted = e.CompleteLatencyMs[i] * e.Acked[i],
                ExecuteWeighted = e.ExecuteLatencyMs[i] * e.Executed[i],
                ProcessWeighted = e.ProcessLatencyMs[i] * e.Acked[i],
                Capacity = e.Capacity[i],
                P99 = e.LatencyP99Ms[i],
                Points = 1,
            };
            if (result.TryGetValue(second, out var existing))
            {
                existing.Merge(p);
            }
            else
            {
                result[second] = p;
            }
        }

        foreach (var p in result.Values)
        {
            p.Settle();
        }

        return result;
    }

    private sealed class Sum
    {
        public double Emitted;
        public double Transferred;
        public double Acked;
        public double Failed;
        public double Executed;
        public double CompleteWeighted;
        public double ExecuteWeighted;
        public double ProcessWeighted;
        public double Capacity;
        public double P99;
        public int Points;

        public double Get(string field) => field switch
        {
            "emitted" => Emitted,
            "transferred" => Transferred,
            "acked" => Acked,
            "failed" => Failed,
            "executed" => Executed,
            "completeLatencyMs" => Acked > 0 ? CompleteWeighted / Acked : 0,
            "executeLatencyMs" => Executed > 0 ? ExecuteWeighted / Executed : 0,
            "processLatencyMs" => Acked > 0 ? ProcessWeighted / Acked : 0,
            "capacity" => Capacity,
            "latencyP99Ms" => P99,
            _ => 0,
        };

        /// <summary>Another point of the same executor in the same second.</summary>
        public void Merge(Sum p)
        {
            Emitted += p.Emitted;
            Transferred += p.Transferred;
            Acked += p.Acked;
            Failed += p.Failed;
            Executed += p.Executed;
            CompleteWeighted += p.CompleteWeighted;
            ExecuteWeighted += p.ExecuteWeighted;
            ProcessWeighted += p.ProcessWeighted;
            Capacity += p.Capacity;
            P99 = Math.Max(P99, p.P99);
            Points += p.Points;
        }

        /// <summary>Merged points were rates each: average them.</summary>
        public void Settle()
        {
            if (Points <= 1)
            {
                return;
            }

            double n = Points;
            Emitted /= n;
            Transferred /= n;
            Acked /= n;
            Failed /= n;
            Executed /= n;
            CompleteWeighted /= n;
            ExecuteWeighted /= n;
            ProcessWeighted /= n;
            Capacity /= n;
            Points = 1;
        }

        /// <summary>Another executor's point: rates add up, the largest capacity and p99 stand for the component.</summary>
        public void Add(Sum p)
        {
            Emitted += p.Emitted;
            Transferred += p.Transferred;
            Acked += p.Acked;
            Failed += p.Failed;
            Executed += p.Executed;
            CompleteWeighted += p.CompleteWeighted;
            ExecuteWeighted += p.ExecuteWeighted;
            ProcessWeighted += p.ProcessWeighted;
            Capacity = Math.Max(Capacity, p.Capacity);
            P99 = Math.Max(P99, p.P99);
        }

        public void AddEmits(Sum p) => Emitted += p.Emitted;

        public void AddTrees(Sum p)
        {
            Acked += p.Acked;
            Failed += p.Failed;
            CompleteWeighted += p.CompleteWeighted;
            P99 = Math.Max(P99, p.P99);
        }
    }
}
