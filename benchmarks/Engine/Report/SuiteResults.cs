using StormSharp.Benchmarks.Engine.Measurement;
using StormSharp.Benchmarks.Engine.Micro;

namespace StormSharp.Benchmarks.Engine.Report;

public sealed record OverloadResult(double SpoutToBoltRatio, double BoltRate, double SinkRate, double StartMb, double EndMb, double SlopeMbPerMin, double Seconds, string? Note);

public sealed record RoutingAllocation(string Grouping, double ChooseBytes, double BeyondTupleBytes);

/// <summary>Everything one run of the suite measured, and the summary lines derived from it.</summary>
public sealed class SuiteResults
{
    public List<RunResult> Const { get; } = [];

    public List<RunResult> Ack { get; } = [];

    public List<RunResult> WordCountMax { get; } = [];

    public List<RunResult> WordCountSweep { get; } = [];

    public List<RunResult> PeerHalfMax { get; } = [];

    /// <summary>Word count with the split bolt in C# and in Python (multilang), in the same run.</summary>
    public List<RunResult> Multilang { get; } = [];

    /// <summary>Further rounds of acking then no acking (the first round is in <see cref="Ack"/>).</summary>
    public List<(RunResult Acking, RunResult NoAcking)> AckRounds { get; } = [];

    /// <summary>Acking over no acking, round by round (the first from the main runs).</summary>
    public IReadOnlyList<double> AckRatios =>
        [Rate(Ack, "engine acking") / Rate(Ack, "engine no acking"), .. AckRounds.Select(x => x.Acking.Rate / x.NoAcking.Rate)];

    /// <summary>The median of <see cref="AckRatios"/>: what the summary line reports.</summary>
    public double AckRatioVsNoAck => Median(AckRatios);

    /// <summary>Further rounds of Dataflow then engine at max word count (the first round is in <see cref="WordCountMax"/>).</summary>
    public List<(RunResult Dataflow, RunResult Engine)> WordCountRounds { get; } = [];

    /// <summary>Engine over Dataflow at max word count, round by round (the first from the main runs).</summary>
    public IReadOnlyList<double> WordCountRatiosVsDataflow =>
        [EngineWordCountMax / Rate(WordCountMax, "dataflow"), .. WordCountRounds.Select(x => x.Engine.Rate / x.Dataflow.Rate)];

    /// <summary>The median of <see cref="WordCountRatiosVsDataflow"/>: what the summary line reports.</summary>
    public double WordCountRatioVsDataflow => Median(WordCountRatiosVsDataflow);

    public OverloadResult? Overload { get; set; }

    public List<RoutingAllocation> Routing { get; } = [];

    /// <summary>Fields grouping on other key types: reported, not part of the summary (word count keys are strings).</summary>
    public List<RoutingAllocation> KeyVariants { get; } = [];

    public List<MicroResult> Micro { get; } = [];

    public List<string> Notes { get; } = [];

    /// <summary>Word count without and with a sliding count window (length 1000, slide 100) on the counting bolt, per round.</summary>
    public List<(RunResult Plain, RunResult Windowed)> WindowRounds { get; } = [];

    /// <summary>Word count without and with checkpointed state (Redis provider, 1 s checkpoints) on the counting bolt, per round.</summary>
    public List<(RunResult Plain, RunResult Stateful)> StateRounds { get; } = [];

    /// <summary>The stateful word count with a spout that cannot rewind, whose acks wait for each commit: bounded by max pending per checkpoint interval.</summary>
    public List<RunResult> StateAtLeastOnce { get; } = [];

    public double WindowRatioVsPlain => Median(WindowRounds.Select(x => x.Windowed.Rate / x.Plain.Rate).ToList());

    public double StateRatioVsPlain => Median(StateRounds.Select(x => x.Stateful.Rate / x.Plain.Rate).ToList());

    public string LoadAtStart { get; } = ResultsReport.LoadAverage();

    public double EngineConstRate => Rate(Const, "engine");

    public static double Rate(IEnumerable<RunResult> runs, string name) =>
        runs.FirstOrDefault(r => r.Name == name)?.Rate ?? double.NaN;

    public double EngineWordCountMax => Rate(WordCountMax, "engine");

    public RunResult? EngineHalfMax => WordCountSweep.FirstOrDefault(r => Math.Abs(r.OfferedRate - (0.5 * EngineWordCountMax)) < 1);

    public double RoutingBytesPerTuple => Routing.Count == 0 ? double.NaN : Routing.Max(r => r.BeyondTupleBytes);

    /// <summary>The summary lines, keys exactly as the issue names them, in its order.</summary>
    public IReadOnlyList<(string Key, string Value)> Summary()
    {
        return
        [
            ("perf.constspout_nullbolt.tuples_per_s", N(EngineConstRate)),
            ("perf.constspout_nullbolt.ratio_vs_channels", X(EngineConstRate / Rate(Const, "channels"))),
            ("perf.ack.tuples_per_s", N(Rate(Ack, "engine acking"))),
            ("perf.ack.ratio_vs_noack", X(AckRatioVsNoAck)),
            ("perf.wordcount.max_sentences_per_s", N(EngineWordCountMax)),
            ("perf.wordcount.ratio_vs_dataflow", X(WordCountRatioVsDataflow)),
            ("perf.wordcount.ratio_vs_akka", X(EngineWordCountMax / Rate(WordCountMax, "akka"))),
            ("perf.wordcount.p99_ms_at_half_max", X(EngineHalfMax?.Latency.P99Ms ?? double.NaN)),
            ("perf.routing.bytes_allocated_per_tuple", N(RoutingBytesPerTuple)),
            ("perf.overload.rss_growth_mb_per_min", X(Overload?.SlopeMbPerMin ?? double.NaN)),
            ("perf.multilang.sentences_per_s", N(Rate(Multilang, "python split"))),
            ("perf.multilang.csharp_split_sentences_per_s", N(Rate(Multilang, "c# split"))),
            ("perf.multilang.ratio_vs_csharp", X(Rate(Multilang, "python split") / Rate(Multilang, "c# split"))),
            ("perf.window.ratio_vs_plain", X(WindowRatioVsPlain)),
            ("perf.state.ratio_vs_plain", X(StateRatioVsPlain)),
            ("perf.state.at_least_once.ratio_vs_plain", X(Median(StateRounds.Zip(StateAtLeastOnce, (p, s) => s.Rate / p.Plain.Rate).ToList()))),
        ];
    }

    public static string N(double v) => double.IsFinite(v) ? Math.Round(v).ToString("0", System.Globalization.CultureInfo.InvariantCulture) : "n/a";

    public static double Median(IReadOnlyList<double> values)
    {
        var finite = values.Where(double.IsFinite).Order().ToList();
        if (finite.Count == 0)
        {
            return double.NaN;
        }

        var mid = finite.Count / 2;
        return finite.Count % 2 == 1 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
    }

    public static string X(double v) => double.IsFinite(v) ? v.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture) : "n/a";
}
