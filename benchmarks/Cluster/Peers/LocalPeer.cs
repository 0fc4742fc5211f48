using System.Diagnostics;
using StormSharp.Benchmarks.Cluster.Measurement;
using StormSharp.Benchmarks.Cluster.Topologies;
using StormSharp.Runtime;

namespace StormSharp.Benchmarks.Cluster.Peers;

/// <summary>
/// The same topology and config in <see cref="LocalCluster"/>, in this process: two workers
/// (<c>topology.workers: 2</c>) exchanging the same frames over the in-process transport instead of gRPC, or one
/// worker (no encoding at all). Rate from the same executor counter the cluster run reads.
/// </summary>
internal static class LocalPeer
{
    public static RunResult Measure(string kind, string component, bool acked, TimeSpan warmup, TimeSpan window, int workers = 2)
    {
        using var cluster = new LocalCluster();
        var name = BenchmarkTopologies.NameOf(kind) + "-local";
        cluster.SubmitTopology(name, BenchmarkTopologies.ConfigOf(kind).SetNumWorkers(workers), BenchmarkTopologies.Build(kind));
        try
        {
            var process = Process.GetCurrentProcess();
            return CounterWindow.Measure(
                $"local {workers} worker{(workers == 1 ? string.Empty : "s")} {kind}",
                () =>
                {
                    var total = cluster.GetTopologyInfo(name).Component(component).Total();
                    return acked ? total.Acked : total.Executed;
                },
                () =>
                {
                    process.Refresh();
                    return process.TotalProcessorTime.TotalSeconds;
                },
                warmup,
                window);
        }
        finally
        {
            cluster.KillTopology(name, TimeSpan.FromSeconds(20));
        }
    }
}
