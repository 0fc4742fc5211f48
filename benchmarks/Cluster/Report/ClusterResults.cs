using System.Globalization;
using StormSharp.Benchmarks.Cluster.Measurement;

namespace StormSharp.Benchmarks.Cluster.Report;

/// <summary>Everything one run of the suite measured, and the summary keys derived from it.</summary>
internal sealed class ClusterResults
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public RunResult? RawGrpc { get; set; }

    public RunResult? LocalConst { get; set; }

    public RunResult? ClusterConst { get; set; }

    public RunResult? ClusterAck { get; set; }

    public RunResult? ClusterNoAck { get; set; }

    public RunResult? LocalWordCount { get; set; }

    public RunResult? WordCountMax { get; set; }

    /// <summary>Word count paced at fractions of the max rate, in increasing order; the half-max level gives the summary's p99.</summary>
    public List<SweepLevel> Sweep { get; } = [];

    /// <summary>The level at half the max rate, when measured.</summary>
    public SweepLevel? Half => Sweep.FirstOrDefault(l => l.Fraction == 0.5);

    public RunResult? OverloadRun { get; set; }

    public ZooKeeperWrites? ZooKeeper { get; set; }

    public WireBytes? Wire { get; set; }

    public Overload? Overload { get; set; }

    public List<string> Notes { get; } = [];

    public string LoadAtStart { get; set; } = string.Empty;

    public IEnumerable<RunResult> Runs => new[] { RawGrpc, LocalConst, LocalWordCount, ClusterConst, ClusterNoAck, ClusterAck, WordCountMax }.Concat(Sweep.Select(l => l.Run)).Append(OverloadRun).OfType<RunResult>();

    /// <summary>The keys the issue names, for those measured; NaN where a run failed.</summary>
    public IEnumerable<(string Key, string Value)> Summary()
    {
        if (ClusterConst is { } c)
        {
            yield return ("perf.cluster.constspout_nullbolt.tuples_per_s", N(c.Rate));
            yield return ("perf.cluster.constspout_nullbolt.ratio_vs_raw_grpc", X(c.Rate / (RawGrpc?.Rate ?? double.NaN)));
            yield return ("perf.cluster.constspout_nullbolt.ratio_vs_local_2workers", X(c.Rate / (LocalConst?.Rate ?? double.NaN)));
        }

        if (ClusterAck is not null || ClusterNoAck is not null)
        {
            yield return ("perf.cluster.ack.ratio_vs_noack", X((ClusterAck?.Rate ?? double.NaN) / (ClusterNoAck?.Rate ?? double.NaN)));
        }

        if (WordCountMax is { } w)
        {
            yield return ("perf.cluster.wordcount.max_sentences_per_s", N(w.Rate));
            yield return ("perf.cluster.wordcount.sentences_per_cpu_second", N(w.PerCpuSecond));
            yield return ("perf.cluster.wordcount.ratio_vs_local_1worker", X(w.Rate / (LocalWordCount?.Rate ?? double.NaN)));
            yield return ("perf.cluster.wordcount.p99_ms_at_half_max", X(Half?.Latency.P99Ms ?? double.NaN));
            yield return ("perf.cluster.transfer.wire_bytes_per_tuple", X(Wire?.PerWord ?? double.NaN));
        }

        if (OverloadRun is not null)
        {
            yield return ("perf.cluster.overload.rss_growth_mb_per_min", X(Overload?.GrowthMbPerMin ?? double.NaN));
        }

        if (ZooKeeper is { } z)
        {
            yield return ("perf.cluster.zookeeper.writes_per_worker_per_min", X(z.PerWorkerPerMinute));
        }
    }

    public static string N(double v) => double.IsFinite(v) ? Math.Round(v).ToString("0", Inv) : "NaN";

    public static string X(double v) => double.IsFinite(v) ? Math.Round(v, 3).ToString("0.###", Inv) : "NaN";
}
