using StormSharp.Benchmarks.Engine.Measurement;
using StormSharp.Benchmarks.Engine.Micro;
using StormSharp.Benchmarks.Engine.Peers;
using StormSharp.Benchmarks.Engine.Report;
using StormSharp.Benchmarks.Engine.Topologies;

namespace StormSharp.Benchmarks.Engine;

/// <summary>The parts of the suite, in the order they run.</summary>
public static class Sections
{
    public static void Run(BenchOptions o, SuiteResults r)
    {
        if (o.Runs("const"))
        {
            Const(o, r);
        }

        if (o.Runs("ack"))
        {
            Ack(o, r);
        }

        if (o.Runs("wordcount"))
        {
            WordCount(o, r);
        }

        if (o.Runs("overload"))
        {
            Overload(o, r);
        }

        if (o.Runs("multilang"))
        {
            Multilang(o, r);
        }

        if (o.Runs("micro"))
        {
            Micro(o, r);
        }

        if (o.Runs("window"))
        {
            Window(o, r);
        }

        if (o.Runs("state"))
        {
            State(o, r);
        }
    }

    private static void Window(BenchOptions o, SuiteResults r)
    {
        // The same word count with and without a sliding count window on the counting bolt, back to back per round.
        for (var round = 1; round <= o.Rounds; round++)
        {
            var plain = Harness.Measure($"engine word count (window round {round})", () => EngineTopologies.StartWordCount(0), o.Warmup, o.Window);
            var windowed = Harness.Measure($"engine windowed word count (round {round})", EngineTopologies.StartWindowedWordCount, o.Warmup, o.Window);
            r.WindowRounds.Add((plain, windowed));
        }
    }

    private static void State(BenchOptions o, SuiteResults r)
    {
        // Redis is Debian's redis-server on a free loopback port for the section's length, stopped whatever happens.
        using var redis = BenchRedis.Start();
        for (var round = 1; round <= o.Rounds; round++)
        {
            var plain = Harness.Measure($"engine word count (state round {round})", () => EngineTopologies.StartWordCount(0), o.Warmup, o.Window);
            var stateful = Harness.Measure($"engine stateful word count, redis, replayable spout (round {round})", () => EngineTopologies.StartStatefulWordCount(redis.Port, replayable: true), o.Warmup, o.Window);
            r.StateRounds.Add((plain, stateful));
            r.StateAtLeastOnce.Add(Harness.Measure($"engine stateful word count, redis, plain spout (round {round})", () => EngineTopologies.StartStatefulWordCount(redis.Port, replayable: false), o.Warmup, o.Window));
        }
    }

    private static void Const(BenchOptions o, SuiteResults r)
    {
        r.Const.Add(Harness.Measure("channels", ChannelsPeer.StartConst, o.Warmup, o.Window));
        r.Const.Add(Harness.Measure("dataflow", DataflowPeer.StartConst, o.Warmup, o.Window));
        r.Const.Add(Harness.Measure("akka", AkkaPeer.StartConst, o.Warmup, o.Window));
        r.Const.Add(Harness.Measure("engine", EngineTopologies.StartConst, o.Warmup, o.Window));
    }

    private static void Multilang(BenchOptions o, SuiteResults r)
    {
        // The same word count twice in one run, the split bolt in C# and then in Python: the ratio is multilang's cost.
        r.Multilang.Add(Harness.Measure("c# split", () => EngineTopologies.StartWordCount(0), o.Warmup, o.Window));
        r.Multilang.Add(Harness.Measure("python split", EngineTopologies.StartMultilangWordCount, o.Warmup, o.Window));
    }

    private static void Ack(BenchOptions o, SuiteResults r)
    {
        r.Ack.Add(Harness.Measure("engine acking", () => EngineTopologies.StartIdBolt(acking: true), o.Warmup, o.Window));
        r.Ack.Add(Harness.Measure("engine no acking", () => EngineTopologies.StartIdBolt(acking: false), o.Warmup, o.Window));

        // As for word count: more rounds back to back, and the summary takes the median ratio.
        for (var round = 2; round <= o.Rounds; round++)
        {
            var acking = Harness.Measure($"engine acking (round {round})", () => EngineTopologies.StartIdBolt(acking: true), o.Warmup, o.Window);
            var noAcking = Harness.Measure($"engine no acking (round {round})", () => EngineTopologies.StartIdBolt(acking: false), o.Warmup, o.Window);
            r.AckRounds.Add((acking, noAcking));
        }
    }

    private static void WordCount(BenchOptions o, SuiteResults r)
    {
        // The highest sustained rate: the spout unpaced, held back only by max pending and full queues.
        var peers = new (string Name, Func<double, IPipelineRun> Start)[]
        {
            ("channels", ChannelsPeer.StartWordCount),
            ("dataflow", DataflowPeer.StartWordCount),
            ("akka", AkkaPeer.StartWordCount),
            ("engine", EngineTopologies.StartWordCount),
        };
        foreach (var (name, start) in peers)
        {
            var max = Harness.Measure(name, () => start(0), o.Warmup, o.Window);
            if (name == "engine")
            {
                max = max with { Note = Failures() };
            }

            r.WordCountMax.Add(max);
        }

        // On a shared machine one window of each can land on a fast and a slow minute: more rounds of the two closest
        // pipelines, back to back, and the summary takes the median of the ratios within a round.
        for (var round = 2; round <= o.Rounds; round++)
        {
            var dataflow = Harness.Measure($"dataflow (round {round})", () => DataflowPeer.StartWordCount(0), o.Warmup, o.Window);
            var engine = Harness.Measure($"engine (round {round})", () => EngineTopologies.StartWordCount(0), o.Warmup, o.Window);
            r.WordCountRounds.Add((dataflow, engine with { Note = Failures() }));
        }

        var engineMax = r.EngineWordCountMax;
        if (double.IsFinite(engineMax) && engineMax > 0)
        {
            foreach (var f in o.RateFractions)
            {
                var rate = Math.Round(engineMax * f);
                var run = Harness.Measure($"engine {f:P0} of max", () => EngineTopologies.StartWordCount(rate), o.Warmup, o.Window, rate);
                r.WordCountSweep.Add(run with { Note = Failures() });
            }
        }

        if (!o.Quick)
        {
            foreach (var (name, start) in peers[..3])
            {
                var max = SuiteResults.Rate(r.WordCountMax, name);
                if (double.IsFinite(max) && max > 0)
                {
                    var rate = Math.Round(max / 2);
                    r.PeerHalfMax.Add(Harness.Measure(name, () => start(rate), o.Warmup, o.Window, rate));
                }
            }
        }

        static string? Failures()
        {
            var failed = EngineProbes.Failed.Sum;
            return failed > 0 ? $"{failed} spout tuples failed or timed out" : null;
        }
    }

    private static void Overload(BenchOptions o, SuiteResults r)
    {
        var spoutRate = r.EngineConstRate;
        if (!double.IsFinite(spoutRate) || spoutRate <= 0)
        {
            // Run alone (--only overload): calibrate the spout's speed with a short ConstSpoutNullBolt.
            spoutRate = Harness.Measure("engine (calibration)", EngineTopologies.StartConst, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3)).Rate;
        }

        var boltRate = double.IsFinite(spoutRate) && spoutRate > 0 ? spoutRate / 10 : 100_000;
        var duration = o.OverloadDuration;
        Harness.Settle();
        Harness.Log($"overload: spout unpaced into a bolt held to {boltRate:N0}/s, {duration.TotalSeconds:0} s");
        IPipelineRun? run = null;
        try
        {
            using var meter = new ProcessMeter(TimeSpan.FromMilliseconds(500));
            run = EngineTopologies.StartOverload(boltRate);
            var fitFrom = o.OverloadFitFrom.TotalSeconds;
            Thread.Sleep(o.OverloadFitFrom);
            var sunkAt = run.Processed;
            var fitStart = meter.Seconds;
            Thread.Sleep(duration - o.OverloadFitFrom);
            var sunk = run.Processed - sunkAt;
            var elapsed = meter.Seconds - fitStart;
            var (_, _, samples) = meter.Stop();
            var inWindow = samples.Where(s => s.Seconds >= fitFrom).ToList();
            var slope = ProcessMeter.SlopeMbPerMinute(samples, fitFrom);
            r.Overload = new OverloadResult(
                10,
                boltRate,
                sunk / elapsed,
                inWindow.Count > 0 ? inWindow[0].Bytes / (1024.0 * 1024.0) : double.NaN,
                inWindow.Count > 0 ? inWindow[^1].Bytes / (1024.0 * 1024.0) : double.NaN,
                slope,
                duration.TotalSeconds,
                null);
            Harness.Log($"  bolt {sunk / elapsed:N0}/s, resident {r.Overload.StartMb:N0} -> {r.Overload.EndMb:N0} MB, slope {slope:0.000} MB/min");
        }
        catch (Exception e)
        {
            Harness.Log($"  overload failed: {e}");
            r.Overload = new OverloadResult(10, boltRate, double.NaN, double.NaN, double.NaN, double.NaN, 0, $"{e.GetType().Name}: {e.Message}");
        }
        finally
        {
            Harness.Stop("overload", run);
        }
    }

    private static void Micro(BenchOptions o, SuiteResults r)
    {
        Harness.Settle();
        foreach (var g in GroupingFactory.Names)
        {
            var (choose, beyond) = RoutingBenchmarks.MeasureAllocations(g, 1 << 20);
            r.Routing.Add(new RoutingAllocation(g, choose, beyond));
            Harness.Log($"routing {g}: {choose:0.###} B/tuple choosing, {beyond:0.###} B/tuple delivering beyond the tuple object");
        }

        foreach (var g in GroupingFactory.KeyVariants)
        {
            var (choose, beyond) = RoutingBenchmarks.MeasureAllocations(g, 1 << 18);
            r.KeyVariants.Add(new RoutingAllocation(g, choose, beyond));
            Harness.Log($"routing {g}: {choose:0.###} B/tuple choosing");
        }

        try
        {
            r.Micro.AddRange(MicroRunner.Run(o.Quick));
        }
        catch (Exception e)
        {
            Harness.Log($"micro-benchmarks failed: {e}");
            r.Notes.Add($"BenchmarkDotNet failed: {e.GetType().Name}: {e.Message}");
        }
    }
}
