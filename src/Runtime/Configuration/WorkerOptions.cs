namespace StormSharp.Runtime.Configuration;

/// <summary>What a worker process needs beyond its topology's own config: <c>worker.*</c> and its log folder.</summary>
internal sealed record WorkerOptions
{
    /// <summary><c>worker.heartbeat.frequency.secs</c>: how often the worker reports to its supervisor and Nimbus.</summary>
    public required TimeSpan HeartbeatFrequency { get; init; }

    /// <summary><c>storm.log.dir</c>, absolute.</summary>
    public required string LogDir { get; init; }

    /// <summary>Reads and validates; throws <see cref="ConfigurationException"/> listing every problem.</summary>
    public static WorkerOptions From(IReadOnlyDictionary<string, object?> conf, string baseDirectory)
    {
        var reader = new ConfigReader(conf, baseDirectory);
        var options = Read(reader);
        reader.ThrowIfProblems();
        return options;
    }

    internal static WorkerOptions Read(ConfigReader r) => new()
    {
        HeartbeatFrequency = r.Seconds(ClusterKeys.WorkerHeartbeatFrequencySecs),
        LogDir = r.Directory(ClusterKeys.LogDir),
    };
}
