using StormSharp.Benchmarks.Cluster.Measurement;

namespace StormSharp.Benchmarks.Cluster.Report;

/// <summary>Word count paced at a fraction of the unpaced rate.</summary>
/// <param name="Fraction">Of the unpaced run's rate, 0 to 1.</param>
/// <param name="Offered">Sentences a second the spout was paced at.</param>
/// <param name="Run">The window's rate (acked sentences) and CPU.</param>
/// <param name="Latency">Its complete latencies.</param>
internal sealed record SweepLevel(double Fraction, double Offered, RunResult Run, LatencyWindow Latency);
