namespace StormSharp.Runtime.Configuration;

/// <summary>What a supervisor needs: <c>supervisor.*</c>, its host name and where its state and logs live.</summary>
internal sealed record SupervisorOptions
{
    /// <summary><c>supervisor.slots.ports</c>: one worker slot per port, distinct ports 1-65535.</summary>
    public required IReadOnlyList<int> SlotPorts { get; init; }

    /// <summary><c>supervisor.worker.timeout.secs</c>: a worker whose heartbeats stop this long is restarted.</summary>
    public required TimeSpan WorkerTimeout { get; init; }

    /// <summary><c>supervisor.worker.start.timeout.secs</c>: how long a new worker has to send its first heartbeat.</summary>
    public required TimeSpan WorkerStartTimeout { get; init; }

    /// <summary><c>supervisor.monitor.frequency.secs</c>: how often workers are checked.</summary>
    public required TimeSpan MonitorFrequency { get; init; }

    /// <summary><c>supervisor.worker.shutdown.sleep.secs</c>: how long a worker asked to stop (SIGTERM) has before it is killed.</summary>
    public required TimeSpan WorkerShutdownGrace { get; init; }

    /// <summary><c>storm.local.hostname</c>: the name registered for this host; null means the host's own name.</summary>
    public required string? Hostname { get; init; }

    /// <summary><c>storm.local.dir</c>, absolute.</summary>
    public required string LocalDir { get; init; }

    /// <summary><c>storm.log.dir</c>, absolute.</summary>
    public required string LogDir { get; init; }

    /// <summary>Where topology packages are unpacked: <c>storm.local.dir/supervisor/stormdist</c>.</summary>
    public string StormDistDirectory => Path.Combine(LocalDir, "supervisor", "stormdist");

    /// <summary>The unpacked package of one topology; <paramref name="topologyId"/> must already be a validated id.</summary>
    public string TopologyDirectory(string topologyId) => Path.Combine(StormDistDirectory, topologyId);

    /// <summary>Reads and validates; throws <see cref="ConfigurationException"/> listing every problem.</summary>
    public static SupervisorOptions From(IReadOnlyDictionary<string, object?> conf, string baseDirectory)
    {
        var reader = new ConfigReader(conf, baseDirectory);
        var options = Read(reader);
        reader.ThrowIfProblems();
        return options;
    }

    internal static SupervisorOptions Read(ConfigReader r) => new()
    {
        SlotPorts = r.Ports(ClusterKeys.SupervisorSlotsPorts),
        WorkerTimeout = r.Seconds(ClusterKeys.SupervisorWorkerTimeoutSecs),
        WorkerStartTimeout = r.Seconds(ClusterKeys.SupervisorWorkerStartTimeoutSecs),
        MonitorFrequency = r.Seconds(ClusterKeys.SupervisorMonitorFrequencySecs),
        WorkerShutdownGrace = r.Seconds(ClusterKeys.SupervisorWorkerShutdownSleepSecs),
        Hostname = r.OptionalHost(ClusterKeys.LocalHostname),
        LocalDir = r.Directory(ClusterKeys.LocalDir),
        LogDir = r.Directory(ClusterKeys.LogDir),
    };
}
