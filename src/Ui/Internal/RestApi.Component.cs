using System.Text.Json.Nodes;
using StormSharp.Cluster.Rpc;
using StormSharp.Runtime.Stats;

namespace StormSharp.Ui.Internal;

internal sealed partial class RestApi
{
    private async Task<JsonObject> ComponentAsync(string id, string component, int window, bool sys, CancellationToken ct)
    {
        var (info, beats) = await LoadAsync(id, ct).ConfigureAwait(false);
        var c = info.Components.FirstOrDefault(c => c.Id == component)
            ?? throw ApiException.NotFound($"topology '{info.Summary.Id}' has no component '{component}'");
        var errors = (await nimbus.ErrorsAsync(info.Summary.Id, ct).ConfigureAwait(false)).Errors.Where(e => e.Component == component).ToList();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var topologyId = info.Summary.Id;
        var mine = ExecutorsOf(beats, component).OrderBy(x => x.Executor.FirstTask).ToList();
        var executors = mine.Select(x => x.Executor).ToList();
        var result = new JsonObject
        {
            ["user"] = info.Summary.Owner,
            ["id"] = c.Id,
            ["encodedId"] = Uri.EscapeDataString(c.Id),
            ["name"] = info.Summary.Name,
            ["executors"] = c.Executors,
            ["tasks"] = c.Tasks,
            ["requestedMemOnHeap"] = 0.0,
            ["requestedMemOffHeap"] = 0.0,
            ["requestedCpu"] = 0.0,
            ["schedulerDisplayResource"] = false,
            ["topologyId"] = topologyId,
            ["topologyStatus"] = info.Summary.Status,
            ["encodedTopologyId"] = Uri.EscapeDataString(topologyId),
            ["window"] = StormFormat.WindowName(window),
            ["componentType"] = c.Spout ? "spout" : "bolt",
            ["windowHint"] = StormFormat.WindowPretty(window),
            ["debug"] = false,
            ["samplingPct"] = 10,
            ["eventLogLink"] = string.Empty,
            ["profilingAndDebuggingCapable"] = false,
            ["profileActionEnabled"] = false,
            ["profilerActive"] = new JsonArray(),
            ["componentErrors"] = new JsonArray([.. errors.Select(e => new JsonObject
            {
                ["errorTime"] = e.TimeMs,
                ["errorHost"] = e.Host,
                ["errorPort"] = e.Port,
                ["errorWorkerLogLink"] = WorkerLogLink(e.Host, e.Port, topologyId),
                ["errorLapsedSecs"] = Math.Max(0, (now - e.TimeMs) / 1000),
                ["error"] = e.Message,
                ["task"] = e.Task,
            })]),
        };

        var summary = new JsonArray();
        foreach (var w in StatsWindows.All)
        {
            var t = WindowTotals.Of(executors, w, sys);
            var o = new JsonObject
            {
                ["windowPretty"] = StormFormat.WindowPretty(w),
                ["window"] = StormFormat.WindowName(w),
                ["emitted"] = t.Emitted,
                ["transferred"] = t.Transferred,
                ["acked"] = t.Acked,
                ["failed"] = t.Failed,
            };
            if (c.Spout)
            {
                o["completeLatency"] = StormFormat.Fixed3(t.CompleteLatencyMs);
            }
            else
            {
                o["executed"] = t.Executed;
                o["executeLatency"] = StormFormat.Fixed3(t.ExecuteLatencyMs);
                o["processLatency"] = StormFormat.Fixed3(t.ProcessLatencyMs);
            }

            summary.Add(o);
        }

        result[c.Spout ? "spoutSummary" : "boltStats"] = summary;
        if (executors.Any(e => e.HasHeldTuples))
        {
            // Not in Storm's API: a windowed bolt's held tuples, a gauge (now, not per window).
            result["heldTuples"] = executors.Sum(e => e.HeldTuples);
        }

        var streams = executors.SelectMany(e => e.Streams).Where(s => s.WindowSecs == window && WindowTotals.Visible(s, sys))
            .GroupBy(s => (s.Stream, s.Input)).OrderBy(g => g.Key.Stream, StringComparer.Ordinal).ToList();
        var outputs = new JsonArray();
        foreach (var g in streams.Where(g => !g.Key.Input))
        {
            var t = new WindowTotals();
            foreach (var s in g)
            {
                t.Add(s, c.Spout);
            }

            var o = new JsonObject { ["stream"] = g.Key.Stream, ["emitted"] = t.Emitted, ["transferred"] = t.Transferred };
            if (c.Spout)
            {
                o["completeLatency"] = StormFormat.Fixed3(t.CompleteLatencyMs);
                o["acked"] = t.Acked;
                o["failed"] = t.Failed;
            }

            outputs.Add(o);
        }

        result["outputStats"] = outputs;
        if (!c.Spout)
        {
            var inputs = new JsonArray();
            foreach (var g in streams.Where(g => g.Key.Input))
            {
                var t = new WindowTotals();
                foreach (var s in g)
                {
                    t.Add(s, spout: false);
                }

                var colon = g.Key.Stream.IndexOf(':', StringComparison.Ordinal);
                inputs.Add(new JsonObject
                {
                    ["component"] = g.Key.Stream[..colon],
                    ["encodedComponentId"] = Uri.EscapeDataString(g.Key.Stream[..colon]),
                    ["stream"] = g.Key.Stream[(colon + 1)..],
                    ["executeLatency"] = StormFormat.Fixed3(t.ExecuteLatencyMs),
                    ["processLatency"] = StormFormat.Fixed3(t.ProcessLatencyMs),
                    ["executed"] = t.Executed,
                    ["acked"] = t.Acked,
                    ["failed"] = t.Failed,
                });
            }

            result["inputStats"] = inputs;
        }

        var executorStats = new JsonArray();
        foreach (var (beat, e) in mine)
        {
            var t = WindowTotals.Of([e], window, sys);
            var eid = StormFormat.ExecutorId(e.FirstTask, e.LastTask);
            var o = new JsonObject
            {
                ["id"] = eid,
                ["encodedId"] = Uri.EscapeDataString(eid),
                ["uptime"] = StormFormat.Uptime(beat.Heartbeat.UptimeSecs),
                ["uptimeSeconds"] = beat.Heartbeat.UptimeSecs,
                ["host"] = beat.Heartbeat.Host,
                ["port"] = beat.Heartbeat.Port,
                ["emitted"] = t.Emitted,
                ["transferred"] = t.Transferred,
                ["acked"] = t.Acked,
                ["failed"] = t.Failed,
                ["workerLogLink"] = WorkerLogLink(beat.Heartbeat.Host, beat.Heartbeat.Port, topologyId),
            };
            if (c.Spout)
            {
                o["completeLatency"] = StormFormat.Fixed3(t.CompleteLatencyMs);
            }
            else
            {
                o["executed"] = t.Executed;
                o["executeLatency"] = StormFormat.Fixed3(t.ExecuteLatencyMs);
                o["processLatency"] = StormFormat.Fixed3(t.ProcessLatencyMs);
                o["capacity"] = StormFormat.Fixed3(e.Capacity);
                if (e.HasHeldTuples)
                {
                    o["heldTuples"] = e.HeldTuples;
                }
            }

            executorStats.Add(o);
        }

        result["executorStats"] = executorStats;
        return result;
    }
}
