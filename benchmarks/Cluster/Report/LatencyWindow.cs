namespace StormSharp.Benchmarks.Cluster.Report;

/// <summary>Complete latencies of the sentences acked during a window, from the spouts' histograms.</summary>
/// <param name="Count">Trees completed in the window.</param>
/// <param name="MeanMs">Mean, milliseconds.</param>
/// <param name="P50Ms">Median, milliseconds.</param>
/// <param name="P99Ms">99th percentile, milliseconds.</param>
/// <param name="P999Ms">99.9th percentile, milliseconds.</param>
/// <param name="MedianSecondP99Ms">The median over the window's seconds of each second's own p99, milliseconds.</param>
/// <param name="WorstSecondP99Ms">The highest of the seconds' own p99, milliseconds.</param>
internal sealed record LatencyWindow(long Count, double MeanMs, double P50Ms, double P99Ms, double P999Ms, double MedianSecondP99Ms, double WorstSecondP99Ms);
