using System.Text.Json;
using System.Text.Json.Nodes;
using StormSharp.Cluster.Rpc;
using StormSharp.Runtime.Configuration;
using StormSharp.Runtime.Stats;

namespace StormSharp.Ui.Internal;

internal sealed partial class RestApi
{
    private async Task<JsonObject> TopologyAsync(string id, int window, bool sys, CancellationToken ct)
    {
        var (info, beats) = await LoadAsync(id, ct).ConfigureAwait(false);
        var confJson = (await nimbus.ConfAsync(info.Summary.Id, ct).ConfigureAwait(false)).Json;
        // Nimbus masks the secrets already; masked again here for a Nimbus that does not.
        var configuration = ConfigRedaction.Redact(JsonNode.Parse(confJson)) as JsonObject ?? [];
        var errors = (await nimbus.ErrorsAsync(info.Summary.Id, ct).ConfigureAwait(false)).Errors;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var t = info.Summary;
        var result = TopologySummaryEntry(t);
        result["window"] = StormFormat.WindowName(window);
        result["windowHint"] = StormFormat.WindowPretty(window);
        result["msgTimeout"] = configuration["topology.message.timeout.secs"]?.GetValueKind() == JsonValueKind.Number ? configuration["topology.message.timeout.secs"]!.GetValue<int>() : 30;
        result["debug"] = configuration["topology.debug"]?.GetValueKind() == JsonValueKind.True;
        result["samplingPct"] = 10;
        result["schedulerDisplayResource"] = false;

        var all = ExecutorsOf(beats).Select(x => x.Executor).Where(e => Visible(e.Component, sys)).ToList();
        var stats = new JsonArray();
        foreach (var w in StatsWindows.All)
        {
            var everything = WindowTotals.Of(all, w, sys);
            var spouts = WindowTotals.Of(all.Where(e => e.Spout), w, sys);
            stats.Add(new JsonObject
            {
                ["windowPretty"] = StormFormat.WindowPretty(w),
                ["window"] = StormFormat.WindowName(w),
                ["emitted"] = everything.Emitted,
                ["transferred"] = everything.Transferred,
                ["completeLatency"] = StormFormat.Fixed3(spouts.CompleteLatencyMs),
                ["acked"] = spouts.Acked,
                ["failed"] = spouts.Failed,
            });
        }

        result["topologyStats"] = stats;
        var spoutList = new JsonArray();
        var boltList = new JsonArray();
        foreach (var c in info.Components.Where(c => Visible(c.Id, sys)))
        {
            var mine = all.Where(e => e.Component == c.Id).ToList();
            var totals = WindowTotals.Of(mine, window, sys);
            var entry = new JsonObject();
            if (c.Spout)
            {
                entry["spoutId"] = c.Id;
                entry["encodedSpoutId"] = Uri.EscapeDataString(c.Id);
            }
            else
            {
                entry["boltId"] = c.Id;
                entry["encodedBoltId"] = Uri.EscapeDataString(c.Id);
            }

            entry["executors"] = c.Executors;
            entry["tasks"] = c.Tasks;
            entry["emitted"] = totals.Emitted;
            entry["transferred"] = totals.Transferred;
            entry["acked"] = totals.Acked;
            entry["failed"] = totals.Failed;
            if (c.Spout)
            {
                entry["completeLatency"] = StormFormat.Fixed3(totals.CompleteLatencyMs);
            }
            else
            {
                entry["executed"] = totals.Executed;
                entry["executeLatency"] = StormFormat.Fixed3(totals.ExecuteLatencyMs);
                entry["processLatency"] = StormFormat.Fixed3(totals.ProcessLatencyMs);
                entry["capacity"] = StormFormat.Fixed3(mine.Count == 0 ? 0 : mine.Max(e => e.Capacity));
            }

            var last = errors.FirstOrDefault(e => e.Component == c.Id);
            entry["lastError"] = last?.Message ?? string.Empty;
            entry["errorHost"] = last?.Host ?? string.Empty;
            entry["errorPort"] = last is null ? null : last.Port;
            entry["errorTime"] = last is null ? null : last.TimeMs / 1000;
            entry["errorLapsedSecs"] = last is null ? null : Math.Max(0, (now - last.TimeMs) / 1000);
            entry["errorWorkerLogLink"] = last is null ? string.Empty : WorkerLogLink(last.Host, last.Port, t.Id);
            entry["requestedMemOnHeap"] = 0.0;
            entry["requestedMemOffHeap"] = 0.0;
            entry["requestedCpu"] = 0.0;
            (c.Spout ? spoutList : boltList).Add(entry);
        }

        result["spouts"] = spoutList;
        result["bolts"] = boltList;
        result["workers"] = new JsonArray([.. info.Workers.Select(w => Worker(info, w, beats))]);
        result["configuration"] = configuration;
        return result;
    }

    /// <summary>Per component, per stream, over one window (Storm's <c>/topology/:id/metrics</c>).</summary>
    private async Task<JsonObject> TopologyMetricsAsync(string id, int window, bool sys, CancellationToken ct)
    {
        var (info, beats) = await LoadAsync(id, ct).ConfigureAwait(false);
        var spouts = new JsonArray();
        var bolts = new JsonArray();
        foreach (var c in info.Components.Where(c => Visible(c.Id, sys)))
        {
            var streams = ExecutorsOf(beats, c.Id).SelectMany(x => x.Executor.Streams).Where(s => s.WindowSecs == window && WindowTotals.Visible(s, sys))
                .GroupBy(s => (s.Stream, s.Input)).OrderBy(g => g.Key.Stream, StringComparer.Ordinal).ToList();
            JsonArray Values(bool input, Func<IEnumerable<StreamWindowStats>, JsonNode> value)
            {
                var list = new JsonArray();
                foreach (var g in streams.Where(g => g.Key.Input == input))
                {
                    var o = new JsonObject();
                    if (input)
                    {
                        var colon = g.Key.Stream.IndexOf(':', StringComparison.Ordinal);
                        o["component_id"] = g.Key.Stream[..colon];
                        o["stream_id"] = g.Key.Stream[(colon + 1)..];
                    }
                    else
                    {
                        o["stream_id"] = g.Key.Stream;
                    }

                    o["value"] = value(g);
                    list.Add(o);
                }

                return list;
            }

            static string Mean(IEnumerable<StreamWindowStats> s, Func<StreamWindowStats, double> latency, Func<StreamWindowStats, long> count)
            {
                var n = s.Sum(count);
                return StormFormat.Fixed3(n == 0 ? 0 : s.Sum(x => latency(x) * count(x)) / n);
            }

            var entry = new JsonObject
            {
                ["id"] = c.Id,
                ["emitted"] = Values(false, s => s.Sum(x => x.Emitted)),
                ["transferred"] = Values(false, s => s.Sum(x => x.Transferred)),
            };
            if (c.Spout)
            {
                entry["acked"] = Values(false, s => s.Sum(x => x.Acked));
                entry["failed"] = Values(false, s => s.Sum(x => x.Failed));
                entry["complete_ms_avg"] = Values(false, s => Mean(s, x => x.CompleteLatencyMs, x => x.Acked));
                spouts.Add(entry);
            }
            else
            {
                entry["acked"] = Values(true, s => s.Sum(x => x.Acked));
                entry["failed"] = Values(true, s => s.Sum(x => x.Failed));
                entry["process_ms_avg"] = Values(true, s => Mean(s, x => x.ProcessLatencyMs, x => x.Acked));
                entry["executed"] = Values(true, s => s.Sum(x => x.Executed));
                entry["executed_ms_avg"] = Values(true, s => Mean(s, x => x.ExecuteLatencyMs, x => x.Executed));
                bolts.Add(entry);
            }
        }

        return new JsonObject
        {
            ["window"] = StormFormat.WindowName(window),
            ["window-hint"] = StormFormat.WindowPretty(window),
            ["spouts"] = spouts,
            ["bolts"] = bolts,
        };
    }

    /// <summary>
    /// Storm's graph data: per component its type, capacity, latency, transfers, executors and inputs (from the
    /// topology document Nimbus holds).
    /// </summary>
    private async Task<JsonObject> VisualizationAsync(string id, int window, bool sys, CancellationToken ct)
    {
        var (info, beats) = await LoadAsync(id, ct).ConfigureAwait(false);
        var document = await nimbus.DocumentAsync(info.Summary.Id, ct).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(document.Document.Memory);
        var result = new JsonObject();
        foreach (var c in doc.RootElement.GetProperty("components").EnumerateArray())
        {
            var cid = c.GetProperty("id").GetString()!;
            if (!Visible(cid, sys))
            {
                continue;
            }

            var spout = c.GetProperty("spout").GetBoolean();
            var mine = ExecutorsOf(beats, cid).ToList();
            var totals = WindowTotals.Of(mine.Select(x => x.Executor), window, sys);
            var inputs = new JsonArray();
            foreach (var i in c.GetProperty("inputs").EnumerateArray())
            {
                var stream = i.GetProperty("stream").GetString()!;
                if (!Visible(i.GetProperty("component").GetString()!, sys))
                {
                    continue;
                }

                inputs.Add(new JsonObject
                {
                    [":component"] = i.GetProperty("component").GetString(),
                    [":stream"] = stream,
                    [":sani-stream"] = SanitizedStream(stream),
                    [":grouping"] = i.GetProperty("grouping").GetString()?.ToLowerInvariant(),
                });
            }

            var executorStats = new JsonArray();
            foreach (var (beat, e) in mine)
            {
                var transferred = new JsonObject();
                foreach (var w in StatsWindows.All)
                {
                    var perStream = new JsonObject();
                    foreach (var s in e.Streams.Where(s => s.WindowSecs == w && !s.Input && WindowTotals.Visible(s, sys)))
                    {
                        perStream[s.Stream] = s.Transferred;
                    }

                    transferred[StormFormat.WindowName(w)] = perStream;
                }

                executorStats.Add(new JsonObject
                {
                    [":host"] = beat.Heartbeat.Host,
                    [":port"] = beat.Heartbeat.Port,
                    [":uptime_secs"] = beat.Heartbeat.UptimeSecs,
                    [":transferred"] = transferred,
                });
            }

            result[cid] = new JsonObject
            {
                [":type"] = spout ? "spout" : "bolt",
                [":capacity"] = spout || mine.Count == 0 ? 0 : mine.Max(x => x.Executor.Capacity),
                [":latency"] = spout ? totals.CompleteLatencyMs : totals.ProcessLatencyMs,
                [":transferred"] = totals.Transferred,
                [":emitted"] = totals.Emitted,
                [":stats"] = executorStats,
                [":link"] = $"/component.html?id={Uri.EscapeDataString(cid)}&topology_id={Uri.EscapeDataString(info.Summary.Id)}",
                [":inputs"] = inputs,
            };
        }

        return result;
    }

    /// <summary>Storm's <c>sanitizeStreamName</c>: a name safe as an element id (letters, digits, '-' and '_').</summary>
    private static string SanitizedStream(string stream)
    {
        var chars = stream.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray();
        var s = new string(chars);
        return s.Length > 0 && char.IsAsciiLetter(s[0]) ? s : "s" + s;
    }

    /// <summary>Storm's per-topology log levels. StormSharp's workers have none to change at run time: always empty.</summary>
    private async Task<JsonObject> LogConfigAsync(string id, CancellationToken ct)
    {
        await nimbus.TopologyAsync(id, ct).ConfigureAwait(false);
        return new JsonObject { ["namedLoggerLevels"] = new JsonObject() };
    }
}
