using StormSharp.Benchmarks.Cluster.Measurement;
using StormSharp.Benchmarks.Cluster.Peers;
using StormSharp.Benchmarks.Cluster.Peers.RawGrpc;
using StormSharp.Benchmarks.Cluster.Report;
using StormSharp.Benchmarks.Cluster.Rig;
using StormSharp.Benchmarks.Cluster.Topologies;

namespace StormSharp.Benchmarks.Cluster;

/// <summary>
/// The runs, in order: the peers in this process first (raw gRPC, then local mode with two workers), then a real
/// cluster (ConstSpoutNullBolt, with ZooKeeper's writes counted over its window; ConstSpoutIdBoltNullBolt without,
/// then with acking), one topology at a time, each killed and its workers gone before the next.
/// </summary>
internal static class ClusterSuite
{
    private static readonly string TopologyType = typeof(BenchmarkTopologies).FullName!;

    public static void Run(ClusterBenchOptions o, ClusterResults r, string root)
    {
        r.RawGrpc = Try("raw gRPC", () => RawGrpcPeer.Measure(o.Warmup, o.Window), r);
        r.LocalConst = Try("local const", () => LocalPeer.Measure(BenchmarkTopologies.Const, "bolt", acked: false, o.Warmup, o.Window), r);

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
            r.ClusterConst = Try("cluster const", () => OnCluster(rig, o, BenchmarkTopologies.Const, "bolt", acked: false, dll, r, countZooKeeper: true), r);
            r.ClusterNoAck = Try("cluster noack", () => OnCluster(rig, o, BenchmarkTopologies.NoAck, "bolt", acked: false, dll, r), r);
            r.ClusterAck = Try("cluster ack", () => OnCluster(rig, o, BenchmarkTopologies.Ack, "spout", acked: true, dll, r), r);
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

    private static RunResult OnCluster(ClusterRig rig, ClusterBenchOptions o, string kind, string component, bool acked, string dll, ClusterResults r, bool countZooKeeper = false)
    {
        var name = BenchmarkTopologies.NameOf(kind);
        var id = rig.Submit(name, dll, TopologyType, kind);
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
            (long Transactions, long Updates) zk0 = default, zk1 = default;
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
                countZooKeeper ? () => zk0 = rig.ZooKeeper.Counters() : null,
                countZooKeeper ? () => zk1 = rig.ZooKeeper.Counters() : null);
            if (countZooKeeper)
            {
                r.ZooKeeper = new ZooKeeperWrites(zk1.Transactions - zk0.Transactions, zk1.Updates - zk0.Updates, result.Seconds, 2);
                Bench.Log($"  ZooKeeper: {r.ZooKeeper.Transactions} transactions (zxid counter {zk0.Transactions} -> {zk1.Transactions}), {r.ZooKeeper.Updates} updates in {result.Seconds:0.0} s");
            }

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
        (string From, string To)[] hops = kind == BenchmarkTopologies.Const
            ? [("spout", "bolt")]
            : [("spout", "id"), ("id", "bolt")];
        crosses = true;
        foreach (var (from, to) in hops)
        {
            var a = ports.GetValueOrDefault(from, []);
            var b = ports.GetValueOrDefault(to, []);
            crosses &= a.Length == 1 && b.Length == 1 && a[0] != b[0];
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
