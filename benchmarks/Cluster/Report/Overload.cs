namespace StormSharp.Benchmarks.Cluster.Report;

/// <summary>Resident memory of both workers of the overload topology, sampled once a second after its warm-up.</summary>
/// <param name="StartMb">Both workers' VmRSS at the first sample, MiB.</param>
/// <param name="EndMb">At the last sample, MiB.</param>
/// <param name="Seconds">From the first sample to the last.</param>
/// <param name="GrowthMbPerMin">Least-squares slope of the summed VmRSS, MiB per minute.</param>
/// <param name="BoltRate">The rate the slow bolt was held to, tuples per second.</param>
internal sealed record Overload(double StartMb, double EndMb, double Seconds, double GrowthMbPerMin, double BoltRate);
