using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using StormSharp.Benchmarks.Ysb.Results;

namespace StormSharp.Benchmarks.Ysb;

/// <summary>Writes the suite's section of benchmarks/RESULTS.md, keeping the other suites' sections as they are.</summary>
internal static class YsbReport
{
    public const string Heading = "# Yahoo Streaming Benchmark";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string DefaultPath() => Path.Combine(YsbSuite.RepositoryRoot(), "benchmarks", "RESULTS.md");

    public static void Write(string path, YsbOptions o, IReadOnlyList<PointResult> points, DateTime started, DateTime finished, string loadAtStart)
    {
        var existing = File.Exists(path) ? File.ReadAllText(path) : string.Empty;
        var at = existing.IndexOf("\n" + Heading, StringComparison.Ordinal);
        var before = at >= 0 ? existing[..(at + 1)] : existing.StartsWith(Heading, StringComparison.Ordinal) ? string.Empty : existing;
        if (before.Length > 0 && !before.EndsWith("\n\n", StringComparison.Ordinal))
        {
            before += before.EndsWith('\n') ? "\n" : "\n\n";
        }

        var next = at >= 0 ? existing.IndexOf("\n# ", at + 1 + Heading.Length, StringComparison.Ordinal) : -1;
        var after = next >= 0 ? existing[next..] : string.Empty;
        File.WriteAllText(path, before + Render(o, points, started, finished, loadAtStart) + after);
    }

    /// <summary>Whether a load average read by <see cref="LoadAverage"/> (its first figure) exceeded the cores.</summary>
    private static bool Loaded(string loadAverage) =>
        double.TryParse(loadAverage.Split(',')[0].Trim(), System.Globalization.NumberStyles.Float, Inv, out var one) && one > Environment.ProcessorCount;

    public static string LoadAverage()
    {
        try
        {
            return string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static string Render(YsbOptions o, IReadOnlyList<PointResult> points, DateTime started, DateTime finished, string loadAtStart)
    {
        var sb = new StringBuilder();
        void L(string line = "") => sb.Append(line).Append('\n');

        L(Heading);
        L();
        L($"Written by `benchmarks/run ysb{(o.Quick ? " --quick" : string.Empty)}`: a **{(o.Quick ? "quick" : "full")}** run, the generator emitting for " +
          $"{o.Duration.TotalSeconds.ToString("0", Inv)} s at each load" +
          (o.Warmup > TimeSpan.Zero ? $", after an unreported warm-up of {o.Warmup.TotalSeconds.ToString("0", Inv)} s at 20,000 events/s (once for local mode; before each cluster load, whose workers are new processes, with its events stamped an hour back so that their windows stay out of the results)" : string.Empty) +
          $". **Measured on a {Environment.ProcessorCount}-core machine**" +
          (Loaded(loadAtStart) ? " that was loaded (other work ran beside it; see the load average), so a rerun on a quiet machine is still owed" : string.Empty) +
          ", with the broker, Redis, the generator and the topology all sharing it: the published figures below come from a multi-node cluster.");
        L();
        L("| | |");
        L("| --- | --- |");
        L($"| date (UTC) | {started.ToString("yyyy-MM-dd HH:mm", Inv)} to {finished.ToString("HH:mm", Inv)} |");
        L($"| commit | `{Commit()}` |");
        L($"| cores | {Environment.ProcessorCount} |");
        L($"| OS, runtime | {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription} |");
        L($"| load average (1, 5, 15 min) | at start {loadAtStart}; at end {LoadAverage()} |");
        L($"| broker | {(o.Bootstrap is null ? "embedded Kafka-protocol broker (librdkafka's mock cluster) in the generator's process; it keeps about 5 MB a partition, so a consumer that falls behind by more loses records (they show as inexact windows)" : "Kafka at " + o.Bootstrap)}; `ad-events` with {(o.Bootstrap is null ? Connectors.Kafka.EmbeddedKafkaBroker.DefaultPartitions : o.Partitions)} partitions, zstd-compressed batches |");
        L("| topology | local mode (LocalCluster in the runner's process)" + (o.ClusterLoads.Length > 0 ? ", and on a cluster of `storm dev-zookeeper`, `storm nimbus` and one `storm supervisor` on loopback (`storm jar`, 2 workers)" : string.Empty) + ": 2 Kafka spout tasks, 1 task each of deserialize, filter, projection, Redis join" + (o.ClusterLoads.Length > 0 ? " (2 each on the cluster, one in each worker, so that the shuffles keep an event in its spout's worker)" : string.Empty) + ", 2 campaign processors, 1 acker, max spout pending " + o.MaxSpoutPending.ToString("N0", Inv) + " a task |");
        L();
        L("```");
        foreach (var (key, value) in YsbSummary.Of(points))
        {
            L($"{key}: {value}");
        }

        L("```");
        L();
        L("Latency is YSB's: a window's `time_updated` in Redis minus the window's end, over every campaign window that closed while the generator ran. " +
          "Exact: every window's `seen_count` equals the generator's own count of its views. Achieved: the generator's events over the time until the " +
          "last count was in Redis less one flush interval. Kept up: exact, and the last count in Redis within two flushes and a second of the last event. " +
          "Cores: CPU seconds over wall seconds of the run, per process.");
        L();
        L("| mode | flush | offered events/s | generator events/s | achieved events/s | p50 ms | p90 ms | p99 ms | windows | exact | kept up | records the broker had dropped (read or not) | cores: topology / generator+broker / redis |");
        L("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | --- |");
        foreach (var p in points)
        {
            L(string.Create(Inv, $"| {p.Mode} | {p.FlushMillis} ms | {p.Offered:N0} | {p.Feed.AchievedPerSecond:N0} | {(double.IsNaN(p.AchievedPerSecond) ? "n/a" : p.AchievedPerSecond.ToString("N0", Inv))} | {p.P50:0} | {p.P90:0} | {p.P99:0} | {p.Latencies.Count} | {(p.Exact ? "yes" : $"no ({p.ExactWindows}/{p.Windows.Count})")} | {(p.KeptUp ? "yes" : "no")} | {p.Feed.Trimmed:N0} | {string.Join(" / ", p.Cpu.Select(c => c.Cores.ToString("0.00", Inv)))} |"));
        }

        L();
        L("Published points (YSB's graphs for Storm 2.2.0 with ackers and Flink 1.11.0 on a multi-node cluster, one-second flush, 50,000 to 170,000 events/s):");
        L();
        L("| engine | p50 ms | p99 ms |");
        L("| --- | ---: | ---: |");
        L("| Storm 2.2.0 (ackers on) | about 530-680 | about 1,150-1,350 |");
        L("| Flink 1.11.0 | about 710-940 | about 1,350-1,450 |");
        foreach (var p in points.Where(p => p.FlushMillis == 1000 && p.Offered <= 170_000))
        {
            L(string.Create(Inv, $"| StormSharp, {p.Mode}, {p.Offered:N0}/s (this run) | {p.P50:0} | {p.P99:0} |"));
        }

        L();
        L("Where the generator's rate falls short of the offered one, or the generator and broker's process uses most of a core, the bound is the generator, " +
          "the embedded broker or the machine, not the topology. Where the processes of a run together used well under the machine's " +
          $"{Environment.ProcessorCount} cores while the load average stood far above it, they were waiting for the CPU: the bound was the machine's other work. " +
          "The broker drops the oldest records of a partition past about 5 MB, whether the topology read them or not (so a run that kept up shows a count " +
          "there too); those it dropped before the topology read them are lost to it: their windows come out " +
          "inexact, and the latency of a run that fell that far behind is the backlog's, not the pipeline's.");
        L();
        L("| run | cores used by all its processes |");
        L("| --- | ---: |");
        foreach (var p in points)
        {
            L(string.Create(Inv, $"| {p.Mode}, {p.FlushMillis} ms, {p.Offered:N0}/s | {p.Cpu.Sum(c => c.Cores):0.00} of {Environment.ProcessorCount} |"));
        }
        L();
        return sb.ToString();
    }

    private static string Commit()
    {
        try
        {
            var psi = new ProcessStartInfo("git", ["-C", YsbSuite.RepositoryRoot(), "rev-parse", "--short", "HEAD"]) { RedirectStandardOutput = true, UseShellExecute = false };
            using var p = Process.Start(psi)!;
            var sha = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return sha;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }
}
