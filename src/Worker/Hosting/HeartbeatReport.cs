using StormSharp.Cluster.Rpc;
using StormSharp.Runtime.Execution;
using StormSharp.Runtime.Stats;

namespace StormSharp.Worker.Hosting;

/// <summary>
/// The <see cref="WorkerHeartbeat"/> a worker sends Nimbus: each executor's totals since it started, its 10-minute
/// latencies, its per-window per-stream stats (for the UI's tables) and latency histogram (for the UI's p99 series).
/// </summary>
internal static class HeartbeatReport
{
    public static WorkerHeartbeat Of(WorkerRuntime runtime, string supervisorId)
    {
        var beat = new WorkerHeartbeat
        {
            TopologyId = runtime.Definition.StormId,
            SupervisorId = supervisorId,
            Host = runtime.Endpoint.Host,
            Port = runtime.Endpoint.Port,
            TimeMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            UptimeSecs = (long)runtime.Services.Uptime.TotalSeconds,
        };
        foreach (var e in runtime.Executors)
        {
            // One executor at a time, so its totals are its own; once a heartbeat, so the allocations do not matter.
            var c = TopologyStats.Of(runtime.Definition, [e], runtime.Services, string.Empty, 1).Components[0];
            var all = c.Total(StatsWindows.AllTime);
            var recent = c.Total(StatsWindows.TenMinutes);
            beat.Executors.Add(new Cluster.Rpc.ExecutorStats
            {
                Component = e.ComponentId,
                FirstTask = e.TaskIds[0],
                LastTask = e.TaskIds[^1],
                Spout = e.IsSpout,
                Emitted = all.Emitted,
                Transferred = all.Transferred,
                Acked = all.Acked,
                Failed = all.Failed,
                Executed = all.Executed,
                CompleteLatencyMs = recent.CompleteLatencyMs,
                ExecuteLatencyMs = recent.ExecuteLatencyMs,
                ProcessLatencyMs = recent.ProcessLatencyMs,
                Capacity = c.Capacity,
                CompleteLatencyTotalMs = all.CompleteLatencyMs * all.Acked,
                ExecuteLatencyTotalMs = all.ExecuteLatencyMs * all.Executed,
                ProcessLatencyTotalMs = e.IsSpout ? 0 : all.ProcessLatencyMs * all.Acked,
            });
            var reported = beat.Executors[^1];
            if (c.HeldTuples is { } held)
            {
                reported.HeldTuples = held;
            }

            reported.AckLatencyBuckets.Add(e.Stats.AckLatencyBuckets.ToArray());
            foreach (var (window, streams) in c.Windows)
            {
                foreach (var s in streams)
                {
                    reported.Streams.Add(new StreamWindowStats
                    {
                        WindowSecs = window,
                        Stream = s.StreamId,
                        Input = !e.IsSpout && s.StreamId.Contains(':', StringComparison.Ordinal),
                        Emitted = s.Emitted,
                        Transferred = s.Transferred,
                        Acked = s.Acked,
                        Failed = s.Failed,
                        Executed = s.Executed,
                        CompleteLatencyMs = s.CompleteLatencyMs,
                        ProcessLatencyMs = s.ProcessLatencyMs,
                        ExecuteLatencyMs = s.ExecuteLatencyMs,
                    });
                }
            }
        }

        return beat;
    }
}
