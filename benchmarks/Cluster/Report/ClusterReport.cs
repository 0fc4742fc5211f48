using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using StormSharp.Benchmarks.Cluster.Peers.RawGrpc;
using StormSharp.Benchmarks.Cluster.Topologies;

namespace StormSharp.Benchmarks.Cluster.Report;

/// <summary>
/// The cluster suite's section of benchmarks/RESULTS.md: everything from <see cref="Heading"/> to the end of the
/// file is this suite's, replaced on each run; what comes before (the engine suite's report) is left as it is.
/// </summary>
internal static class ClusterReport
{
    public const string Heading = "# Cluster benchmark results";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>benchmarks/RESULTS.md of the repository at <paramref name="root"/>.</summary>
    public static string DefaultPath(string root) => Path.Combine(root, "benchmarks", "RESULTS.md");

    public static void Write(string path, ClusterBenchOptions o, ClusterResults r, DateTime started, DateTime finished, string commit)
    {
        var existing = File.Exists(path) ? File.ReadAllText(path) : string.Empty;
        var at = existing.IndexOf("\n" + Heading, StringComparison.Ordinal);
        var before = at >= 0 ? existing[..(at + 1)] : existing.StartsWith(Heading, StringComparison.Ordinal) ? string.Empty : existing;
        if (before.Length > 0 && !before.EndsWith("\n\n", StringComparison.Ordinal))
        {
            before += before.EndsWith('\n') ? "\n" : "\n\n";
        }

        // Sections of other suites after this one (the fault matrix's) stay as they are.
        var next = at >= 0 ? existing.IndexOf("\n# ", at + 1 + Heading.Length, StringComparison.Ordinal) : -1;
        var after = next >= 0 ? existing[next..] : string.Empty;
        File.WriteAllText(path, before + Render(o, r, started, finished, commit) + after);
    }

    private static string Render(ClusterBenchOptions o, ClusterResults r, DateTime started, DateTime finished, string commit)
    {
        var sb = new StringBuilder();
        void L(string line = "") => sb.Append(line).Append('\n');

        L(Heading);
        L();
        L($"Written by `benchmarks/run cluster{(o.Quick ? " --quick" : string.Empty)}`: a **{(o.Quick ? "quick" : "full")}** run, " +
          $"each topology measured for {o.Window.TotalSeconds:0} s after {o.Warmup.TotalSeconds:0} s of warm-up" +
          (o.Quick ? "; indicative only." : "."));
        L("The machine was shared with other work while it ran (see the load average): the ratios, taken against peers measured in " +
          "the same run, are what to read, not the absolute rates. Performance never gates CI.");
        L();
        L("| | |");
        L("| --- | --- |");
        L($"| date (UTC) | {started.ToString("yyyy-MM-dd HH:mm", Inv)} to {finished.ToString("HH:mm", Inv)} |");
        L($"| commit | `{commit}` |");
        L($"| cores | {Environment.ProcessorCount} |");
        L($"| OS, runtime | {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription} |");
        L($"| load average (1, 5, 15 min) | at start {r.LoadAtStart}; at end {LoadAverage()} |");
        L("| cluster | `storm dev-zookeeper` (Apache ZooKeeper 3.8), `storm nimbus`, one `storm supervisor` with 2 slots, each a process of its own on loopback; topologies submitted with `storm jar -c topology.workers=2` |");
        L();
        L("```");
        foreach (var (k, v) in r.Summary())
        {
            L($"{k}: {v}");
        }

        L("```");
        L();
        L("| run | tuples/s | window (s) | CPU cores | tuples per CPU-second | placement, notes |");
        L("| --- | --- | --- | --- | --- | --- |");
        foreach (var x in r.Runs)
        {
            L($"| {x.Name} | {Num(x.Rate)} | {x.Seconds.ToString("0.0", Inv)} | {Cores(x.Cores)} | {Num(x.PerCpuSecond)} | {x.Note} |");
        }

        L();
        L("How the figures are taken:");
        L();
        L("- **Topologies** (one executor per component, so that with executors dealt round-robin to the two workers every hop crosses " +
          "processes; the placement column is read from the assignment in ZooKeeper): ConstSpoutNullBolt (`const`, no ackers); " +
          "ConstSpoutIdBoltNullBolt without message ids or ackers (`noack`) and with them and one acker (`ack`), " +
          $"max spout pending {BenchmarkTopologies.MaxPending}. Everything else is the defaults.");
        L("- **Rates** come from the workers' own executor counters as Nimbus reports them (`GetTopologyInfo`, summed from worker " +
          "heartbeats every second): the null bolt's executed count, or for `ack` the spout's acked count. Both ends of a window are " +
          "taken when the counter moves, so the window runs from one heartbeat to another.");
        L("- **CPU** is user + system time from `/proc/<pid>/stat` of both workers, the supervisor and Nimbus over the window " +
          "(ZooKeeper's is not counted); for the peers, this process's.");
        L($"- **raw gRPC** is the wire without the engine, both ends in this process: a Kestrel HTTP/2 server and a gRPC client on a " +
          $"connection of its own, one client stream of frames of {RawGrpcPeer.BatchSize} ConstSpout tuples encoded by the engine's " +
          "`TupleBatchWriter` for each send, marshalled as the workers' transfer method is; the receiver copies each frame into a pooled " +
          "buffer and counts it, without decoding.");
        L("- **local 2 workers** is the same topology and config in `LocalCluster` (`topology.workers: 2`): two worker runtimes in one " +
          "process exchanging the same frames over the in-process transport.");
        L("- **ZooKeeper writes** are transactions committed during the `const` window: the advance of the zxid counter (`srvr`), which " +
          "moves once per create, delete, setData, multi and session create or close, and not for reads or pings; every transaction " +
          "of the cluster counts (Nimbus, the supervisor and the workers), divided by the 2 workers and scaled to a minute. " +
          (r.ZooKeeper is { } z
              ? $"This run: {z.Transactions} transactions ({z.Updates} write requests answered, `mntr`'s `zk_cnt_updatelatency`) in {z.Seconds.ToString("0.0", Inv)} s."
              : "Not measured in this run."));
        L("- **Word count** (`wordcount`) has the engine suite's shape and sentences: one sentence spout, two split and two count " +
          "executors, one acker, max spout pending " + BenchmarkTopologies.MaxPending.ToString(Inv) + "; dealt round-robin, spout, a split and a " +
          "count run in one worker and a split, a count and the acker in the other, so sentences (shuffle) and words (fields grouping) " +
          "cross workers about half the time. Its rate is the spout's acked count: sentences whose whole tree was counted. " +
          "**max** is the spout unpaced (bounded by max pending); **sentences per CPU-second** are over the same window, CPU of both " +
          "workers, the supervisor and Nimbus. **local 1 worker wordcount** is the same topology in `LocalCluster` with " +
          "`topology.workers: 1` in this process, before the cluster starts.");
        L("- **Latency by offered rate** (ThroughputVsLatency's sweep): the topology is submitted again for each level, its spout paced " +
          "(the engine suite's `Pacer`) at a fraction of the max rate; the summary's p99 is the 50% level's. The workers report only a " +
          "mean complete latency, so the spout itself records each tree's emit-to-ack time in the engine suite's log-linear histogram " +
          "(about 3% resolution; the mean takes each bucket's midpoint) and writes its cumulative buckets to a file about once a " +
          "second; a window's latencies are the difference between the snapshots at its two ends, and each second's own p99 tells a " +
          "steady tail from a stall." + (r.Sweep.Count == 0 ? " Not measured in this run." : string.Empty));
        if (r.Sweep.Count > 0)
        {
            L();
            L("| of max | offered sentences/s | acked sentences/s | CPU cores | mean ms | p50 ms | p99 ms | p99.9 ms | seconds' p99: median, worst ms |");
            L("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var l in r.Sweep)
            {
                var t = l.Latency;
                L(FormattableString.Invariant($"| {l.Fraction * 100:0}% | {l.Offered:N0} | {Num(l.Run.Rate)} | {Cores(l.Run.Cores)} | {t.MeanMs:0.00} | {t.P50Ms:0.00} | {t.P99Ms:0.00} | {t.P999Ms:0.00} | {t.MedianSecondP99Ms:0.0}, {t.WorstSecondP99Ms:0.0} |"));
            }

            L();
        }

        L("- **Wire bytes per tuple** are taken over the unpaced word count window: the kernel's own count of bytes sent " +
          "(`tcp_info.bytes_sent`, read with `ss -tin`) summed over every socket with a slot port at either end, so both directions " +
          "of the connections between the two workers (HTTP/2 and gRPC framing, flow control, the engine's batch encoding, sentences, " +
          "acks; not TCP/IP headers; the workers' heartbeats go to Nimbus's port and are not counted), divided by the word tuples the " +
          "count bolts executed in the window. Every word is in the divisor, the half that stay in their worker too. " +
          (r.Wire is { } w
              ? FormattableString.Invariant($"This run: {w.Bytes:N0} bytes, {w.Words:N0} words, {w.Sentences:N0} sentences: {w.PerWord:0.0} bytes per word, {w.PerSentence:0.0} per sentence.")
              : "Not measured in this run."));
        L("- **Overload** (`overload`): ConstSpout without message ids as fast as it goes, shuffled to a bolt in the other worker held to " +
          "a tenth of the `const` run's rate (it sleeps 1 ms whenever it is ahead). After " + o.OverloadWarmup.TotalSeconds.ToString("0", Inv) +
          " s, VmRSS of both workers (from `/proc/<pid>/status`) is sampled once a second for " + o.OverloadWindow.TotalSeconds.ToString("0", Inv) +
          " s; the growth is the least-squares slope of their sum, MiB per minute. Each worker's heap may grow to its gen0 budget " +
          "(`DOTNET_GCgen0size`, 64 MiB, as `bin/storm` sets) before it levels off, so a short window shows that as growth too; " +
          "a full run's 60 s tells more. " +
          (r.Overload is { } ov
              ? FormattableString.Invariant($"This run: bolt held to {ov.BoltRate:N0}/s, {ov.StartMb:0.0} to {ov.EndMb:0.0} MiB over {ov.Seconds:0} s.")
              : "Not measured in this run."));
        if (r.Notes.Count > 0)
        {
            L();
            L("Notes:");
            L();
            foreach (var n in r.Notes)
            {
                L($"- {n.ReplaceLineEndings(" ")}");
            }
        }

        return sb.ToString();
    }

    public static string LoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return $"{parts[0]}, {parts[1]}, {parts[2]}";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static string Num(double v) => double.IsFinite(v) ? v.ToString("N0", Inv) : "n/a";

    private static string Cores(double v) => double.IsFinite(v) ? v.ToString("0.00", Inv) : "n/a";
}
