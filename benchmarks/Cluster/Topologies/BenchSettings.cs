using System.Globalization;

namespace StormSharp.Benchmarks.Cluster.Topologies;

/// <summary>
/// The benchmark's own topology config keys, passed as <c>key=value</c> arguments after the kind to <c>storm jar</c>
/// and set in the topology's config, read back by the components (as strings or numbers, whichever the config kept).
/// </summary>
public static class BenchSettings
{
    /// <summary>Offered sentences per second of the word count spout; 0 (the default): as fast as max pending allows.</summary>
    public const string SpoutRate = "bench.spout.rate";

    /// <summary>Tuples per second the overload topology's slow bolt is held to.</summary>
    public const string BoltRate = "bench.bolt.rate";

    /// <summary>Folder the word count spout writes its latency histogram to (none: not written).</summary>
    public const string LatencyDirectory = "bench.latency.dir";

    public static double Number(IReadOnlyDictionary<string, object?> conf, string key, double fallback) =>
        conf.TryGetValue(key, out var v) && v is not null ? Convert.ToDouble(v, CultureInfo.InvariantCulture) : fallback;

    public static string? Text(IReadOnlyDictionary<string, object?> conf, string key) =>
        conf.TryGetValue(key, out var v) ? Convert.ToString(v, CultureInfo.InvariantCulture) : null;
}
