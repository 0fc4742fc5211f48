using System.Diagnostics;

namespace StormSharp.Benchmarks.Cluster.Measurement;

/// <summary>Progress lines on stderr, with the seconds since the suite started (stdout carries only the keys).</summary>
internal static class Bench
{
    private static readonly Stopwatch Clock = Stopwatch.StartNew();

    public static void Log(string line) => Console.Error.WriteLine($"[{Clock.Elapsed.TotalSeconds,6:0.0}s] {line}");
}
