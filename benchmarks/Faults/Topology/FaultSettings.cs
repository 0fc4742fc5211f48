using System.Globalization;

namespace StormSharp.Benchmarks.Faults.Topology;

/// <summary>The fault topology's own config keys: where its files live, how many records, how fast.</summary>
public static class FaultSettings
{
    /// <summary>The folder of the spouts' commit files and the sink's files, shared by every host.</summary>
    public const string Dir = "faults.dir";

    /// <summary>How many numbered records the spouts emit in all.</summary>
    public const string RecordCount = "faults.records";

    /// <summary>Records per second offered, over all spout tasks.</summary>
    public const string RecordRate = "faults.rate";

    public static string Directory(IReadOnlyDictionary<string, object?> conf) =>
        conf.TryGetValue(Dir, out var v) && v is string s && s.Length > 0 ? s : throw new ArgumentException($"the topology needs '{Dir}'");

    public static long Records(IReadOnlyDictionary<string, object?> conf) => Convert.ToInt64(conf[RecordCount], CultureInfo.InvariantCulture);

    public static double Rate(IReadOnlyDictionary<string, object?> conf) => Convert.ToDouble(conf[RecordRate], CultureInfo.InvariantCulture);
}
