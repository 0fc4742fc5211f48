using System.Diagnostics;

namespace StormSharp.Benchmarks.Cluster.Measurement;

/// <summary>
/// A rate from counters that move in steps (the workers' totals reach Nimbus once per heartbeat, every
/// <c>worker.heartbeat.frequency.secs</c>): each end of the window is taken the moment the counter changes, polling
/// every 100 ms, so both ends are fresh heartbeats and the window is heartbeat to heartbeat.
/// </summary>
internal static class CounterWindow
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    /// <summary>Waits <paramref name="warmup"/>, then measures <paramref name="counter"/> for about <paramref name="window"/>.</summary>
    /// <param name="cpuSeconds">CPU seconds of the run's processes so far, read at both ends.</param>
    public static RunResult Measure(string name, Func<long> counter, Func<double> cpuSeconds, TimeSpan warmup, TimeSpan window, Action? atStart = null, Action? atEnd = null)
    {
        Thread.Sleep(warmup);
        var (v0, t0) = NextChange(counter);
        var cpu0 = cpuSeconds();
        atStart?.Invoke();
        Thread.Sleep(window);
        var (v1, t1) = NextChange(counter);
        var cpu1 = cpuSeconds();
        atEnd?.Invoke();
        var seconds = (t1 - t0) / (double)Stopwatch.Frequency;
        var result = new RunResult(name, (v1 - v0) / seconds, seconds, cpu1 - cpu0);
        Bench.Log($"  {name}: {result.Rate:N0} tuples/s over {seconds:0.0} s, {result.Cores:0.00} cores");
        return result;
    }

    private static (long Value, long At) NextChange(Func<long> counter)
    {
        var start = counter();
        var until = Stopwatch.GetTimestamp() + (10 * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < until)
        {
            Thread.Sleep(Poll);
            var v = counter();
            if (v != start)
            {
                return (v, Stopwatch.GetTimestamp());
            }
        }

        throw new TimeoutException($"the counter stayed at {start} for 10 s: the topology is not making progress (or its heartbeats stopped)");
    }
}
