using StormSharp.Benchmarks.Engine.Measurement;

namespace StormSharp.Benchmarks.Engine.Topologies;

/// <summary>
/// Where the benchmark components report. Local mode runs them in this process, and they are rebuilt from their
/// shipped state (no constructor, no captured references), so they reach the harness through statics.
/// </summary>
public static class EngineProbes
{
    /// <summary>Tuples executed by the last bolt (const topologies) or the slow bolt (overload).</summary>
    public static TaskCounters Sunk { get; } = new();

    /// <summary>Spout tuples acked (their trees completed).</summary>
    public static TaskCounters Acked { get; } = new();

    /// <summary>Spout tuples failed or timed out.</summary>
    public static TaskCounters Failed { get; } = new();

    /// <summary>Complete latency of acked spout tuples (emit to ack, measured by the spout).</summary>
    public static LatencyHistogram Latency { get; } = new();

    public static void Reset()
    {
        Sunk.Reset();
        Acked.Reset();
        Failed.Reset();
        Latency.Reset();
    }
}
