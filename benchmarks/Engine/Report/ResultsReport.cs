using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using StormSharp.Benchmarks.Engine.Measurement;
using StormSharp.Benchmarks.Engine.Peers;

namespace StormSharp.Benchmarks.Engine.Report;

/// <summary>Writes benchmarks/RESULTS.md: the machine, the commit, every figure of the run, the targets.</summary>
public static class ResultsReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>benchmarks/RESULTS.md of the repository this program was built from.</summary>
    public static string DefaultPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "benchmarks", "run")))
            {
                return Path.Combine(dir.FullName, "benchmarks", "RESULTS.md");
            }
        }

        return Path.Combine(Directory.GetCurrentDirectory(), "RESULTS.md");
    }

    public static string Render(BenchOptions o, SuiteResults r, DateTime started, DateTime finished)
    {
        var sb = new StringBuilder();
        void L(string line = "") => sb.Append(line).Append('\n');

        L("# Engine benchmark results");
        L();
        L($"Written by `benchmarks/run engine{(o.Quick ? " --quick" : string.Empty)}`: a **{(o.Quick ? "quick" : "full")}** run " +
          $"({(o.Quick ? "short windows; indicative only" : "each topology measured for " + o.Window.TotalSeconds + " s after " + o.Warmup.TotalSeconds + " s of warm-up")}).");
        L("Performance never gates CI; these figures are for comparison on the same machine, in the same run.");
        L();
        L("## Machine and run");
        L();
        L("| | |");
        L("| --- | --- |");
        L($"| date (UTC) | {started.ToString("yyyy-MM-dd HH:mm", Inv)} to {finished.ToString("HH:mm", Inv)} |");
        L($"| commit | `{Git("rev-parse --short HEAD")}`{(Git("status --porcelain --untracked-files=no").Length > 0 ? " (the working tree also had uncommitted changes, built into this run)" : string.Empty)} |");
        L($"| CPU | {CpuModel()} |");
        L($"| cores | {Environment.ProcessorCount} |");
        L($"| memory | {MemoryTotal()} |");
        L($"| OS | {RuntimeInformation.OSDescription} |");
        var gen0 = Environment.GetEnvironmentVariable("DOTNET_GCgen0size");
        var budget = gen0 is null ? "default gen0 budget" : $"gen0 budget DOTNET_GCgen0size={gen0} (as `bin/storm` runs StormSharp; every pipeline shares it)";
        L($"| runtime | {RuntimeInformation.FrameworkDescription}, {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC, {budget} |");
        L($"| load average (1, 5, 15 min) | at start {r.LoadAtStart}; at end {LoadAverage()} (other processes shared the 2 cores: see CPU cores used per run) |");
        L($"| mode | {(o.Quick ? "quick" : "full")}: warm-up {o.Warmup.TotalSeconds:0.#} s, window {o.Window.TotalSeconds:0} s, overload {o.OverloadDuration.TotalSeconds:0} s |");
        L();
        L("## Summary");
        L();
        L("```");
        foreach (var (k, v) in r.Summary())
        {
            L($"{k}: {v}");
        }

        L("```");
        L();
        L("## Targets (2-core machine)");
        L();
        L("| target | measured | met |");
        L("| --- | --- | --- |");
        Target(L, "ConstSpoutNullBolt >= 0.5 x Channels pipeline", r.EngineConstRate / SuiteResults.Rate(r.Const, "channels"), v => v >= 0.5);
        Target(L, "ack ratio vs no-ack >= 0.5 (median of rounds)", r.AckRatioVsNoAck, v => v >= 0.5);
        Target(L, "word count >= 1.0 x Dataflow (median of rounds)", r.WordCountRatioVsDataflow, v => v >= 1.0);
        Target(L, "word count >= 1.0 x Akka.Streams", r.EngineWordCountMax / SuiteResults.Rate(r.WordCountMax, "akka"), v => v >= 1.0);
        Target(L, "p99 complete latency at half max <= 5 ms", r.EngineHalfMax?.Latency.P99Ms ?? double.NaN, v => v <= 5);
        Target(L, "routing: 0 B/tuple beyond the tuple", r.RoutingBytesPerTuple, v => v < 0.5);
        Target(L, "overload RSS growth < 1 MB/min", r.Overload?.SlopeMbPerMin ?? double.NaN, v => v < 1);
        L();

        L("## ConstSpoutNullBolt (no acking)");
        L();
        L("One spout emitting a constant tuple, shuffle, a bolt that does nothing. Peers: a producer thread and a consumer " +
          $"thread over a bounded queue of {PipelineShape.QueueCapacity} (the engine's receive buffer is set to the same).");
        L();
        Throughput(L, r.Const, "tuples/s");

        L("## ConstSpoutIdBoltNullBolt (acking)");
        L();
        L($"Spout with message ids, identity bolt, null bolt, one acker, max spout pending {PipelineShape.MaxPending}; the same " +
          "topology without message ids or ackers for the ratio. Rate: spout tuples acked per second (no acking: tuples reaching the null bolt).");
        L();
        Throughput(L, r.Ack, "tuples/s");
        if (r.AckRounds.Count > 0)
        {
            L();
            L("Rounds of acking then no acking, back to back (round 1 is the table above); the summary's ratio is their median:");
            L();
            L("| round | acking (tuples/s) | no acking (tuples/s) | acking / no acking |");
            L("| --- | --- | --- | --- |");
            var ratios = r.AckRatios;
            L($"| 1 | {SuiteResults.Rate(r.Ack, "engine acking").ToString("N0", Inv)} | {SuiteResults.Rate(r.Ack, "engine no acking").ToString("N0", Inv)} | {SuiteResults.X(ratios[0])} |");
            for (var i = 0; i < r.AckRounds.Count; i++)
            {
                var (acking, noAcking) = r.AckRounds[i];
                L($"| {i + 2} | {acking.Rate.ToString("N0", Inv)} | {noAcking.Rate.ToString("N0", Inv)} | {SuiteResults.X(ratios[i + 1])} |");
            }

            L();
        }

        L("## Word count (ThroughputVsLatency-style)");
        L();
        L($"Sentence spout (1) -> split ({PipelineShape.SplitParallelism}, shuffle) -> count ({PipelineShape.CountParallelism}, fields on word); " +
          $"acking on with one acker; at most {PipelineShape.MaxPending} sentences in flight; queues of {PipelineShape.QueueCapacity}. " +
          "Peers do the same work (split on spaces, count in a dictionary) with the same parallelism and track each sentence until its last " +
          "word is counted (Channels and Dataflow also hold at most the same number of sentences in flight; Akka.Streams is held back by its " +
          "bounded buffers only, and its fields grouping goes through one Merge + Partition stage). Complete latency: from the spout's emit to " +
          "the completion of the sentence's tree.");
        L();
        L("Highest sustained rate (spout unpaced; held back only by max pending and full queues):");
        L();
        Latency(L, r.WordCountMax, showOffered: false);
        if (r.WordCountRounds.Count > 0)
        {
            L("Rounds of Dataflow then engine, back to back (round 1 is the table above); the summary's ratio is their median:");
            L();
            L("| round | dataflow (sentences/s) | engine (sentences/s) | engine / dataflow |");
            L("| --- | --- | --- | --- |");
            var ratios = r.WordCountRatiosVsDataflow;
            L($"| 1 | {SuiteResults.Rate(r.WordCountMax, "dataflow").ToString("N0", Inv)} | {r.EngineWordCountMax.ToString("N0", Inv)} | {SuiteResults.X(ratios[0])} |");
            for (var i = 0; i < r.WordCountRounds.Count; i++)
            {
                var (d, e) = r.WordCountRounds[i];
                L($"| {i + 2} | {d.Rate.ToString("N0", Inv)} | {e.Rate.ToString("N0", Inv)} | {SuiteResults.X(ratios[i + 1])} |");
            }

            L();
        }

        if (r.WordCountSweep.Count > 0)
        {
            L("Engine at fixed offered rates (fractions of its highest sustained rate):");
            L();
            Latency(L, r.WordCountSweep, showOffered: true);
        }

        if (r.PeerHalfMax.Count > 0)
        {
            L("Peers at half their own highest sustained rate:");
            L();
            Latency(L, r.PeerHalfMax, showOffered: true);
        }

        L("## Overload");
        L();
        if (r.Overload is { } ov)
        {
            L($"A ConstSpout as fast as it can go into a bolt held to a tenth of the spout's ConstSpoutNullBolt rate, no acking, " +
              $"{ov.Seconds:0} s; resident memory sampled every 0.5 s and fitted by least squares from {o.OverloadFitFrom.TotalSeconds:0} s.");
            L();
            L("| bolt limit (tuples/s) | bolt achieved (tuples/s) | RSS at fit start (MB) | RSS at end (MB) | RSS growth (MB/min) |");
            L("| --- | --- | --- | --- | --- |");
            L($"| {F(ov.BoltRate, "N0")} | {F(ov.SinkRate, "N0")} | {F(ov.StartMb, "N1")} | {F(ov.EndMb, "N1")} | {F(ov.SlopeMbPerMin, "0.000")} |");
            if (ov.Note is not null)
            {
                L();
                L($"Note: {ov.Note}");
            }
        }
        else
        {
            L("Not run.");
        }

        L();
        L("## Micro-benchmarks");
        L();
        if (r.Routing.Count > 0)
        {
            L("Allocation on the routing path, counted by the GC over 2^20 tuples per grouping on one thread (exact, not sampled). " +
              "*Choose*: the grouper alone. *Deliver*: choose, create one tuple object per target, batch into a receive queue, drain; " +
              "the tuple objects themselves are subtracted. 4 target tasks; values (word, int).");
            L();
            L("| grouping | choose (B/tuple) | deliver beyond the tuple (B/tuple) |");
            L("| --- | --- | --- |");
            foreach (var a in r.Routing)
            {
                L($"| {a.Grouping} | {F(a.ChooseBytes, "0.##")} | {F(a.BeyondTupleBytes, "0.##")} |");
            }

            L();
            if (r.KeyVariants.Count > 0)
            {
                L("Fields grouping on other key types (the summary figure uses the string keys above; these show what other keys cost):");
                L();
                L("| grouping:key | choose (B/tuple) |");
                L("| --- | --- |");
                foreach (var a in r.KeyVariants)
                {
                    L($"| {a.Grouping} | {F(a.ChooseBytes, "0.##")} |");
                }

                L();
            }
        }

        if (r.Micro.Count > 0)
        {
            L($"BenchmarkDotNet {typeof(BenchmarkDotNet.Running.BenchmarkRunner).Assembly.GetName().Version?.ToString(3)}, in-process toolchain, " +
              $"[MemoryDiagnoser], {(o.Quick ? "short job (2 warm-up, 4 x 60 ms iterations)" : "5 warm-up, 15 x 250 ms iterations")}. " +
              "Per operation: one tuple routed; one acker tree completed (three XOR updates); one tuple encoded or decoded in a batch of 64.");
            L();
            L("| suite | benchmark | parameters | mean (ns/op) | allocated (B/op) |");
            L("| --- | --- | --- | --- | --- |");
            foreach (var m in r.Micro.OrderBy(m => m.Suite, StringComparer.Ordinal).ThenBy(m => m.Parameters, StringComparer.Ordinal).ThenBy(m => m.Method, StringComparer.Ordinal))
            {
                L($"| {m.Suite} | {m.Method} | {m.Parameters} | {F(m.MeanNs, "N1")} | {F(m.AllocatedBytes, "0.##")} |");
            }

            L();
        }

        if (r.Notes.Count > 0)
        {
            L("## Notes");
            L();
            foreach (var n in r.Notes)
            {
                L($"- {n}");
            }

            L();
        }

        var profiled = r.Const.Concat(r.Ack).Concat(r.WordCountMax).Concat(r.WordCountSweep).Concat(r.PeerHalfMax)
            .Where(x => x.ThreadCpu.Length > 0 || x.Allocations.Length > 0).ToList();
        if (profiled.Count > 0)
        {
            L("## Where the time and the allocations go");
            L();
            L("CPU per thread (cores, from /proc/self/task; names cut to 15 characters; the engine runs on `executor-pool-N`, plus a thread named after its component for any executor that has one of its own) and " +
              "allocated bytes by type (sampled from the runtime's allocation ticks, about one per 100 KB) during each window.");
            L();
            L("| pipeline | CPU by thread | allocations by type |");
            L("| --- | --- | --- |");
            foreach (var x in profiled)
            {
                L($"| {x.Name}{(x.OfferedRate > 0 ? $" at {x.OfferedRate.ToString("N0", Inv)}/s" : string.Empty)} | {x.ThreadCpu} | {x.Allocations} |");
            }

            L();
        }

        L("## How figures are taken");
        L();
        L("- Throughput: tuples (or sentences) completed during the window, divided by its length; counters are per task, single writer.");
        L("- Latency: log-linear histogram (32 linear buckets per power of two, about 3% error) of emit-to-ack times recorded by the spout.");
        L("- Per CPU-second: throughput divided by CPU cores used; less sensitive than raw throughput to other load on the machine.");
        L("- CPU cores used: process CPU time over wall time during the window. Peak memory: the largest working set sampled (every 100 ms) during the window.");
        L("- All pipelines run in the same process, one after another, with a full GC between them.");
        return sb.ToString();
    }

    private static void Target(Action<string> l, string what, double value, Func<double, bool> met) =>
        l($"| {what} | {(double.IsFinite(value) ? value.ToString("0.###", Inv) : "n/a")} | {(double.IsFinite(value) ? (met(value) ? "yes" : "**no**") : "not measured")} |");

    private static void Throughput(Action<string> l, List<RunResult> runs, string unit)
    {
        l($"| pipeline | {unit} | CPU cores | {unit.Split('/')[0]} per CPU-second | allocated (B/tuple) | GCs (gen 0/1/2) | GC pauses (ms) | peak memory (MB) | note |");
        l("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var x in runs)
        {
            l($"| {x.Name} | {F(x.Rate, "N0")} | {F(x.Cores, "0.00")} | {F(x.Rate / x.Cores, "N0")} | {F(x.AllocatedPerItem, "N0")} | " +
              $"{x.Collections.Gen0}/{x.Collections.Gen1}/{x.Collections.Gen2} | {F(x.GcPauseMs, "N0")} | {F(x.PeakMb, "N0")} | {x.Note} |");
        }

        l(string.Empty);
    }

    private static void Latency(Action<string> l, List<RunResult> runs, bool showOffered)
    {
        l($"| pipeline |{(showOffered ? " offered (sentences/s) | achieved / offered |" : string.Empty)} achieved (sentences/s) | mean (ms) | p50 (ms) | p99 (ms) | p99.9 (ms) | CPU cores | sentences per CPU-second | allocated (B/sentence) | GCs (gen 0/1/2) | GC pauses (ms) | peak memory (MB) | note |");
        l($"| --- |{(showOffered ? " --- | --- |" : string.Empty)} --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var x in runs)
        {
            l($"| {x.Name} |{(showOffered ? $" {F(x.OfferedRate, "N0")} | {F(x.Rate / x.OfferedRate, "0.00")} |" : string.Empty)} {F(x.Rate, "N0")} | {F(x.Latency.MeanMs, "0.000")} | " +
              $"{F(x.Latency.P50Ms, "0.000")} | {F(x.Latency.P99Ms, "0.000")} | {F(x.Latency.P999Ms, "0.000")} | {F(x.Cores, "0.00")} | {F(x.Rate / x.Cores, "N0")} | " +
              $"{F(x.AllocatedPerItem, "N0")} | {x.Collections.Gen0}/{x.Collections.Gen1}/{x.Collections.Gen2} | {F(x.GcPauseMs, "N0")} | {F(x.PeakMb, "N0")} | {x.Note} |");
        }

        l(string.Empty);
    }

    /// <summary>The 1, 5 and 15 minute load averages, from /proc/loadavg.</summary>
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

    private static string F(double v, string format) => double.IsFinite(v) ? v.ToString(format, Inv) : "n/a";

    private static string CpuModel()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal))
                {
                    return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                }
            }
        }
        catch (IOException)
        {
        }

        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    private static string MemoryTotal()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
                {
                    var kb = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], Inv);
                    return $"{kb / (1024.0 * 1024.0):0.0} GiB";
                }
            }
        }
        catch (IOException)
        {
        }

        return $"{GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024):0.0} GiB available to the GC";
    }

    private static string Git(string arguments)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("git", arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = Path.GetDirectoryName(DefaultPath())!,
            })!;
            var output = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit(5000);
            return p.ExitCode == 0 ? output : "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }
}
