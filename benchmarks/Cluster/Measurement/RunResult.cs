namespace StormSharp.Benchmarks.Cluster.Measurement;

/// <summary>One measured run.</summary>
/// <param name="Name">What ran, e.g. "cluster const".</param>
/// <param name="Rate">Tuples per second over the window.</param>
/// <param name="Seconds">The window's length, seconds.</param>
/// <param name="CpuSeconds">CPU seconds the run's processes used over the window (NaN when not measured).</param>
/// <param name="Note">Placement, or what went wrong.</param>
internal sealed record RunResult(string Name, double Rate, double Seconds, double CpuSeconds, string? Note = null)
{
    /// <summary>CPU cores busy on average over the window.</summary>
    public double Cores => CpuSeconds / Seconds;

    /// <summary>Tuples per CPU-second.</summary>
    public double PerCpuSecond => Rate * Seconds / CpuSeconds;

    public static RunResult Failed(string name, Exception e) => new(name, double.NaN, 0, double.NaN, $"{e.GetType().Name}: {e.Message}");
}
