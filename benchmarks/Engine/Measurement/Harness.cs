using System.Diagnostics;
using System.Globalization;
using StormSharp.Benchmarks.Engine.Peers;

namespace StormSharp.Benchmarks.Engine.Measurement;

/// <summary>One measured window of one pipeline.</summary>
public sealed record RunResult(
    string Name, double OfferedRate, double Rate, double Seconds, double Cores, double PeakMb, LatencySummary Latency, string? Note = null)
{
    /// <summary>Bytes allocated by the whole process per tuple (or sentence) completed during the window.</summary>
    public double AllocatedPerItem { get; init; } = double.NaN;

    /// <summary>CPU per thread name during the window, busiest first.</summary>
    public string ThreadCpu { get; init; } = string.Empty;

    /// <summary>Sampled allocation by type during the window, largest first.</summary>
    public string Allocations { get; init; } = string.Empty;

    /// <summary>Time the GC paused the process during the window, in milliseconds (a floor under latency tails).</summary>
    public double GcPauseMs { get; init; } = double.NaN;

    /// <summary>Garbage collections during the window (gen 0, gen 1, gen 2).</summary>
    public (int Gen0, int Gen1, int Gen2) Collections { get; init; }

    public static RunResult Failed(string name, double offered, string why) =>
        new(name, offered, double.NaN, 0, double.NaN, double.NaN, LatencySummary.Empty, why);

    public bool Ok => !double.IsNaN(Rate);
}

/// <summary>Starts a pipeline, lets it warm up, measures a window, stops it.</summary>
public static class Harness
{
    public static void Log(string message) =>
        Console.Error.WriteLine($"[{DateTime.UtcNow.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}] {message}");

    public static RunResult Measure(string name, Func<IPipelineRun> start, TimeSpan warmup, TimeSpan window, double offered = 0)
    {
        Settle();
        Log(offered > 0 ? $"{name} at {offered:N0}/s: warm-up {warmup.TotalSeconds:0.#} s, window {window.TotalSeconds:0} s"
                        : $"{name}: warm-up {warmup.TotalSeconds:0.#} s, window {window.TotalSeconds:0} s");
        IPipelineRun? run = null;
        try
        {
            run = start();
            Thread.Sleep(warmup);
            run.Latency?.Reset();
            var before = run.Processed;
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: false);
            var (gen0, gen1, gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
            var pausedBefore = GC.GetTotalPauseDuration();
            var threadsBefore = Measurement.ThreadCpu.Snapshot();
            AllocationSampler.Instance.Start();
            var clock = Stopwatch.StartNew();
            using var meter = new ProcessMeter(TimeSpan.FromMilliseconds(100));
            Thread.Sleep(window);
            var after = run.Processed;
            var seconds = clock.Elapsed.TotalSeconds;
            var allocated = GC.GetTotalAllocatedBytes(precise: false) - allocatedBefore;
            var allocations = AllocationSampler.Instance.Stop();
            var threads = Measurement.ThreadCpu.Describe(threadsBefore, Measurement.ThreadCpu.Snapshot(), seconds);
            var collections = (GC.CollectionCount(0) - gen0, GC.CollectionCount(1) - gen1, GC.CollectionCount(2) - gen2);
            var pausedMs = (GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds;
            var (cores, peakMb, _) = meter.Stop();
            var latency = run.Latency?.Summarize() ?? LatencySummary.Empty;
            var result = new RunResult(name, offered, (after - before) / seconds, seconds, cores, peakMb, latency)
            {
                AllocatedPerItem = after > before ? allocated / (double)(after - before) : double.NaN,
                Collections = collections,
                GcPauseMs = pausedMs,
                ThreadCpu = threads,
                Allocations = allocations,
            };
            Log($"  {result.Rate:N0}/s, {cores:0.00} cores, peak {peakMb:N0} MB, {result.AllocatedPerItem:N0} B allocated per item, GCs {collections} pausing {pausedMs:N0} ms" +
                (latency.Count > 0 ? $", latency mean {latency.MeanMs:0.000} p99 {latency.P99Ms:0.000} p99.9 {latency.P999Ms:0.000} ms" : string.Empty));
            Log($"  threads: {threads}");
            if (allocations.Length > 0)
            {
                Log($"  allocations: {allocations}");
            }

            return result;
        }
        catch (Exception e)
        {
            Log($"  {name} failed: {e}");
            return RunResult.Failed(name, offered, $"{e.GetType().Name}: {e.Message}");
        }
        finally
        {
            Stop(name, run);
        }
    }

    public static void Stop(string name, IDisposable? run)
    {
        if (run is null)
        {
            return;
        }

        var stopping = Task.Run(run.Dispose);
        try
        {
            if (!stopping.Wait(TimeSpan.FromSeconds(30)))
            {
                Log($"  {name} did not stop within 30 s; continuing");
            }
        }
        catch (AggregateException e)
        {
            Log($"  {name} failed to stop: {e.InnerException?.Message}");
        }
    }

    /// <summary>Collects what the previous run left, so it neither inflates nor pauses the next one.</summary>
    public static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Thread.Sleep(200);
    }
}
