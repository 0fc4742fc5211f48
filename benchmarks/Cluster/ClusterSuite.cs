using StormSharp.Benchmarks.Cluster.Measurement;
using StormSharp.Benchmarks.Cluster.Peers;
using StormSharp.Benchmarks.Cluster.Peers.RawGrpc;
using StormSharp.Benchmarks.Cluster.Report;
using StormSharp.Benchmarks.Cluster.Rig;
using StormSharp.Benchmarks.Cluster.Topologies;

namespace StormSharp.Benchmarks.Cluster;

/// <summary>
/// The runs, in order: the peers in this process first (raw gRPC, local mode with two workers, word count in local
/// mode with one worker), then a real cluster (ConstSpoutNullBolt, with ZooKeeper's writes counted over its window;
/// ConstSpoutIdBoltNullBolt without, then with acking; word count unpaced, with the bytes between the workers
/// counted, then paced at half that rate, with its latencies; overload, its workers' memory sampled), one topology
/// at a time, each killed and its workers gone before the next.
/// </summary>
internal static class ClusterSuite
{
    private static readonly string TopologyType = typeof(BenchmarkTopologies).FullName!;

    public static void Run(ClusterBenchOptions o, ClusterResults r, string root)
    {
        if (o.Runs("const"))
        {
            r.RawGrpc = Try("raw gRPC", () => RawGrpcPeer.Measure(o.Warmup, o.Window), r);
            r.LocalConst = Try("local const", () => LocalPeer.Measure(BenchmarkTopologies.Const, "bolt", acked: false, o.Warmup, o.Window), r);
        }

        if (o.Runs("wordcount"))
        {
            r.LocalWordCount = Try("local wordcount", () => LocalPeer.Measure(BenchmarkTopologies.WordCount, "spout", acked: true, o.Warmup, o.Window, workers: 1), r);
        }

        var dll = typeof(BenchmarkTopologies).Assembly.Location;
        var projectOutput = Path.Combine(root, "benchmarks", "Cluster", "Topologies", "bin", "Release", "net10.0", Path.GetFileName(dll));
        if (File.Exists(projectOutput))
        {
            // The topology project's own output folder, so the package holds only what the topology needs.
            dll = projectOutput;
        }

        ClusterRig? rig = null;
        try
        {
            rig = ClusterRig.Start(root);
            if (o.Runs("const"))
            {
                r.ClusterConst = Try("cluster const", () => OnCluster(rig, o, BenchmarkTopologies.Const, "bolt", acked: false, dll, r, countZooKeeper: true), r);
            }

            if (o.Runs("ack"))
            {
                r.ClusterNoAck = Try("cluster noack", () => OnCluster(rig, o, BenchmarkTopologies.NoAck, "bolt", acked: false, dll, r), r);
                r.ClusterAck = Try("cluster ack", () => OnCluster(rig, o, BenchmarkTopologies.Ack, "spout", acked: true, dll, r), r);
            }

            if (o.Runs("wordcount"))
            {
                r.WordCountMax = Try("cluster wordcount", () => WordCountMax(rig, o, dll, r), r);
                foreach (var fraction in o.SweepFractions)
                {
                    var name = FormattableString.Invariant($"cluster wordcount at {fraction * 100:0}% of max");
                    if (!double.IsFinite(Try(name, () => WordCountPaced(rig, o, dll, r, fraction, name).Run, r).Rate))
                    {
                        break; // the failure is in the notes; higher levels would fail alike
                    }
                }
            }

            if (o.Runs("overload"))
            {
                r.OverloadRun = Try("cluster overload", () => Overloaded(rig, o, dll, r), r);
            }
            if (r.Runs.Any(x => !double.IsFinite(x.Rate)))
            {
                rig.KeepRunDirectory = true;
            }
        }
        catch (Exception e)
        {
            Bench.Log($"cluster failed: {e}");
            r.Notes.Add($"the cluster did not start: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            Bench.Log("stopping the cluster");
            rig?.Dispose();
        }
    }

    /// <summary>Word count as fast as max pending allows; the bytes between the workers counted over the same window.</summary>
    private static RunResult WordCountMax(ClusterRig rig, ClusterBenchOptions o, string dll, ClusterResults r)
    {
        var name = BenchmarkTopologies.NameOf(BenchmarkTopologies.WordCount);
        (long Bytes, long Words, long Sentences) w0 = default, w1 = default;
        (long, long, long) Traffic()
        {
            var info = rig.Nimbus.Info(name) ?? throw new InvalidOperationException($"Nimbus no longer knows {name}");
            return (SocketBytes.Sent(rig.SlotPorts), info.Components.First(x => x.Id == "count").Executed, info.Components.First(x => x.Id == "split").Executed);
        }

        var result = OnCluster(rig, o, BenchmarkTopologies.WordCount, "spout", acked: true, dll, r, [], () => w0 = Traffic(), () => w1 = Traffic());
        r.Wire = new WireBytes(w1.Bytes - w0.Bytes, w1.Words - w0.Words, w1.Sentences - w0.Sentences);
        Bench.Log($"  wire: {r.Wire.Bytes:N0} bytes for {r.Wire.Words:N0} words ({r.Wire.PerWord:0.0} bytes/word) and {r.Wire.Sentences:N0} sentences ({r.Wire.PerSentence:0.0} bytes/sentence)");
        return result;
    }

    /// <summary>
    /// Word count paced at <paramref name="fraction"/> of the unpaced run's rate; complete latencies from the spout's
    /// histogram over the window. The level is added to <see cref="ClusterResults.Sweep"/>.
    /// </summary>
    private static SweepLevel WordCountPaced(ClusterRig rig, ClusterBenchOptions o, string dll, ClusterResults r, double fraction, string name)
    {
        var max = r.WordCountMax?.Rate ?? double.NaN;
        if (!double.IsFinite(max) || max <= 0)
        {
            throw new InvalidOperationException("no unpaced word count rate to take half of");
        }

        var rate = Math.Round(max * fraction);
        var dir = Path.Combine(rig.RunDirectory, FormattableString.Invariant($"latency-{fraction * 100:0}"));
        long[] h0 = [], h1 = [];
        var seconds = new List<double>();
        Timer? perSecond = null;
        var result = OnCluster(
            rig,
            o,
            BenchmarkTopologies.WordCount,
            "spout",
            acked: true,
            dll,
            r,
            [FormattableString.Invariant($"{BenchSettings.SpoutRate}={rate}"), $"{BenchSettings.LatencyDirectory}={dir}"],
            () =>
            {
                h0 = LatencyFile.ReadAll(dir);
                var last = h0;
                perSecond = new Timer(
                    _ =>
                    {
                        // Each second's own p99, to tell a steady tail from a stall.
                        var now = LatencyFile.ReadAll(dir);
                        var p99 = LatencyFile.PercentileMs(Difference(now, last), 0.99);
                        last = now;
                        lock (seconds)
                        {
                            seconds.Add(p99);
                        }
                    },
                    null,
                    TimeSpan.FromSeconds(1),
                    TimeSpan.FromSeconds(1));
            },
            () =>
            {
                perSecond?.Dispose();
                h1 = LatencyFile.ReadAll(dir);
            });
        var window = Difference(h1, h0);
        long count = 0;
        foreach (var c in window)
        {
            count += c;
        }

        double[] inOrder;
        lock (seconds)
        {
            inOrder = [.. seconds.Where(double.IsFinite)];
        }

        double[] perSecondP99 = [.. inOrder.Order()];

        var latency = new LatencyWindow(
            count,
            LatencyFile.MeanMs(window),
            LatencyFile.PercentileMs(window, 0.5),
            LatencyFile.PercentileMs(window, 0.99),
            LatencyFile.PercentileMs(window, 0.999),
            perSecondP99.Length > 0 ? perSecondP99[perSecondP99.Length / 2] : double.NaN,
            perSecondP99.Length > 0 ? perSecondP99[^1] : double.NaN);
        Bench.Log($"  offered {rate:N0} sentences/s; complete latency of {count:N0} trees: mean {latency.MeanMs:0.00} ms, p50 {latency.P50Ms:0.00} ms, p99 {latency.P99Ms:0.00} ms, p99.9 {latency.P999Ms:0.00} ms");
        Bench.Log($"  p99 of each second, in order: {string.Join(", ", inOrder.Select(x => x.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)))} ms");
        var level = new SweepLevel(fraction, rate, result with { Name = name, Note = FormattableString.Invariant($"offered {rate:N0}/s; ") + result.Note }, latency);
        r.Sweep.Add(level);
        return level;
    }

    private static long[] Difference(long[] later, long[] earlier)
    {
        var d = new long[later.Length];
        for (var i = 0; i < d.Length; i++)
        {
            d[i] = later[i] - (i < earlier.Length ? earlier[i] : 0);
        }

        return d;
    }

    /// <summary>
    /// ConstSpout as fast as it goes into a bolt in the other worker held to a tenth of the const run's rate: after
    /// the warm-up, both workers' VmRSS once a second over the overload window.
    /// </summary>
    private static RunResult Overloaded(ClusterRig rig, ClusterBenchOptions o, string dll, ClusterResults r)
    {
        var constRate = r.ClusterConst?.Rate ?? double.NaN;
        var boltRate = Math.Round(double.IsFinite(constRate) && constRate > 0 ? constRate / 10 : 10_000);
        var kind = BenchmarkTopologies.Overload;
        var name = BenchmarkTopologies.NameOf(kind);
        var id = rig.Submit(name, dll, TopologyType, kind, FormattableString.Invariant($"{BenchSettings.BoltRate}={boltRate}"));
        try
        {
            var placement = rig.PlacementAsync(id).GetAwaiter().GetResult();
            var note = Placement(kind, placement, out var crosses);
            Bench.Log($"  placement: {note}; slow bolt held to {boltRate:N0} tuples/s");
            if (!crosses)
            {
                r.Notes.Add($"{name}: not every hop crosses workers ({note})");
            }

            var workers = rig.WorkerPids(id);
            Thread.Sleep(o.OverloadWarmup);
            long Executed() => rig.Nimbus.Info(name)?.Components.First(x => x.Id == "slow").Executed ?? 0;
            var e0 = Executed();
            var cpuPids = workers.Concat(rig.DaemonPids).ToArray();
            var cpu0 = CpuClock.Seconds(cpuPids);
            var samples = new List<(double Seconds, double Megabytes)>();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (clock.Elapsed < o.OverloadWindow)
            {
                samples.Add((clock.Elapsed.TotalSeconds, workers.Sum(ResidentMemory.Megabytes)));
                Thread.Sleep(1000);
            }

            samples.Add((clock.Elapsed.TotalSeconds, workers.Sum(ResidentMemory.Megabytes)));
            Bench.Log($"  VmRSS of each worker at the end: {string.Join(", ", workers.Select(p => $"{p}: {ResidentMemory.Megabytes(p):0.0} MiB"))}; both, each second: {string.Join(", ", samples.Select(x => x.Megabytes.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)))}");
            var seconds = clock.Elapsed.TotalSeconds;
            var rate = (Executed() - e0) / seconds;
            var cpu = CpuClock.Seconds(cpuPids) - cpu0;
            r.Overload = new Overload(samples[0].Megabytes, samples[^1].Megabytes, samples[^1].Seconds - samples[0].Seconds, ResidentMemory.GrowthPerMinute(samples), boltRate);
            Bench.Log($"  overload: VmRSS of both workers {r.Overload.StartMb:0.0} -> {r.Overload.EndMb:0.0} MiB over {r.Overload.Seconds:0} s, {r.Overload.GrowthMbPerMin:0.00} MiB/min; slow bolt {rate:N0} tuples/s");
            return new RunResult("cluster overload", rate, seconds, cpu, FormattableString.Invariant($"slow bolt held to {boltRate:N0}/s; VmRSS {r.Overload.StartMb:0.0} to {r.Overload.EndMb:0.0} MiB; ") + note);
        }
        finally
        {
            rig.Kill(name, id);
        }
    }

    private static RunResult OnCluster(ClusterRig rig, ClusterBenchOptions o, string kind, string component, bool acked, string dll, ClusterResults r, bool countZooKeeper = false)
    {
        (long Transactions, long Updates) zk0 = default, zk1 = default;
        var result = OnCluster(
            rig,
            o,
            kind,
            component,
            acked,
            dll,
            r,
            [],
            countZooKeeper ? () => zk0 = rig.ZooKeeper.Counters() : null,
            countZooKeeper ? () => zk1 = rig.ZooKeeper.Counters() : null);
        if (countZooKeeper)
        {
            r.ZooKeeper = new ZooKeeperWrites(zk1.Transactions - zk0.Transactions, zk1.Updates - zk0.Updates, result.Seconds, 2);
            Bench.Log($"  ZooKeeper: {r.ZooKeeper.Transactions} transactions (zxid counter {zk0.Transactions} -> {zk1.Transactions}), {r.ZooKeeper.Updates} updates in {result.Seconds:0.0} s");
        }

        return result;
    }

    /// <summary>Submits <paramref name="kind"/> with <paramref name="settings"/>, measures its counter over a window (calling the hooks at its ends), kills it.</summary>
    private static RunResult OnCluster(ClusterRig rig, ClusterBenchOptions o, string kind, string component, bool acked, string dll, ClusterResults r, string[] settings, Action? atStart, Action? atEnd)
    {
        var name = BenchmarkTopologies.NameOf(kind);
        var id = rig.Submit(name, dll, TopologyType, [kind, .. settings]);
        try
        {
            var placement = rig.PlacementAsync(id).GetAwaiter().GetResult();
            var note = Placement(kind, placement, out var crosses);
            Bench.Log($"  placement: {note}");
            if (!crosses)
            {
                r.Notes.Add($"{name}: not every hop crosses workers ({note})");
            }

            var pids = rig.WorkerPids(id).Concat(rig.DaemonPids).ToArray();
            var result = CounterWindow.Measure(
                $"cluster {kind}",
                () =>
                {
                    var info = rig.Nimbus.Info(name) ?? throw new InvalidOperationException($"Nimbus no longer knows {name}");
                    var c = info.Components.First(x => x.Id == component);
                    return acked ? c.Acked : c.Executed;
                },
                () => CpuClock.Seconds(pids),
                o.Warmup,
                o.Window,
                atStart,
                atEnd);
            return result with { Note = note };
        }
        finally
        {
            rig.Kill(name, id);
        }
    }

    /// <summary>Where each component runs, and whether every hop of the topology goes from one worker to the other.</summary>
    private static string Placement(string kind, IReadOnlyDictionary<string, int[]> ports, out bool crosses)
    {
        crosses = true;
        if (kind == BenchmarkTopologies.WordCount)
        {
            // Split and count on both workers: about half of each hop crosses.
            crosses = ports.GetValueOrDefault("split", []).Length == 2 && ports.GetValueOrDefault("count", []).Length == 2;
        }
        else
        {
            (string From, string To)[] hops = kind switch
            {
                BenchmarkTopologies.Const => [("spout", "bolt")],
                BenchmarkTopologies.Overload => [("spout", "slow")],
                _ => [("spout", "id"), ("id", "bolt")],
            };
            foreach (var (from, to) in hops)
            {
                var a = ports.GetValueOrDefault(from, []);
                var b = ports.GetValueOrDefault(to, []);
                crosses &= a.Length == 1 && b.Length == 1 && a[0] != b[0];
            }
        }

        return string.Join(", ", ports.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} on {string.Join('+', p.Value)}"));
    }

    private static RunResult Try(string name, Func<RunResult> run, ClusterResults r)
    {
        Bench.Log(name);
        try
        {
            return run();
        }
        catch (Exception e)
        {
            Bench.Log($"  {name} failed: {e}");
            r.Notes.Add($"{name} failed: {e.GetType().Name}: {e.Message}");
            return RunResult.Failed(name, e);
        }
    }
}
