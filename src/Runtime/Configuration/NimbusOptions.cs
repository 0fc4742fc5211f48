namespace StormSharp.Runtime.Configuration;

/// <summary>What Nimbus needs: <c>nimbus.*</c>, <c>storm.scheduler</c> and where its state lives.</summary>
internal sealed record NimbusOptions
{
    /// <summary>Names <c>storm.scheduler</c> accepts for <see cref="SchedulerKind.Even"/>: ours, and Storm's class names so a copied storm.yaml works.</summary>
    private static readonly string[] EvenSchedulerNames = ["even", "org.apache.storm.scheduler.EvenScheduler", "org.apache.storm.scheduler.DefaultScheduler"];

    /// <summary><c>nimbus.seeds</c>: hosts where a Nimbus may run; clients try them for the leader.</summary>
    public required IReadOnlyList<string> Seeds { get; init; }

    /// <summary><c>nimbus.thrift.port</c>: the port of Nimbus's API (gRPC here; Storm's key name is kept); 0 binds any free port.</summary>
    public required int ApiPort { get; init; }

    /// <summary><c>nimbus.supervisor.timeout.secs</c>: a supervisor silent this long loses its slots.</summary>
    public required TimeSpan SupervisorTimeout { get; init; }

    /// <summary><c>nimbus.task.timeout.secs</c>: a worker whose heartbeats stop this long is reassigned.</summary>
    public required TimeSpan TaskTimeout { get; init; }

    /// <summary>
    /// <c>nimbus.task.launch.secs</c>: how long a worker has to send its first heartbeat after it is assigned (and every
    /// worker after Nimbus starts or takes over leadership) before it counts as dead.
    /// </summary>
    public required TimeSpan TaskLaunchTimeout { get; init; }

    /// <summary><c>storm.local.hostname</c>: the host name this Nimbus registers as; null means the host's own name.</summary>
    public required string? Hostname { get; init; }

    /// <summary><c>nimbus.monitor.freq.secs</c>: how often Nimbus checks heartbeats and reassigns.</summary>
    public required TimeSpan MonitorFrequency { get; init; }

    /// <summary><c>nimbus.code.sync.freq.secs</c>: how often a Nimbus looks for blobs (packages, documents) it lacks.</summary>
    public required TimeSpan CodeSyncFrequency { get; init; }

    /// <summary><c>storm.scheduler</c>; null in the config means <see cref="SchedulerKind.Even"/>.</summary>
    public required SchedulerKind Scheduler { get; init; }

    /// <summary><c>storm.local.dir</c>, absolute.</summary>
    public required string LocalDir { get; init; }

    /// <summary>Where Nimbus keeps topology packages: <c>storm.local.dir/nimbus/blobs</c>.</summary>
    public string BlobStoreDirectory => Path.Combine(LocalDir, "nimbus", "blobs");

    /// <summary>Where uploads in progress are written: <c>storm.local.dir/nimbus/inbox</c>, on the blob store's file system.</summary>
    public string InboxDirectory => Path.Combine(LocalDir, "nimbus", "inbox");

    /// <summary>Reads and validates; throws <see cref="ConfigurationException"/> listing every problem.</summary>
    public static NimbusOptions From(IReadOnlyDictionary<string, object?> conf, string baseDirectory)
    {
        var reader = new ConfigReader(conf, baseDirectory);
        var options = Read(reader);
        reader.ThrowIfProblems();
        return options;
    }

    internal static NimbusOptions Read(ConfigReader r) => new()
    {
        Seeds = r.Hosts(ClusterKeys.NimbusSeeds),
        ApiPort = r.Port(ClusterKeys.NimbusThriftPort, allowZero: true),
        SupervisorTimeout = r.Seconds(ClusterKeys.NimbusSupervisorTimeoutSecs),
        TaskTimeout = r.Seconds(ClusterKeys.NimbusTaskTimeoutSecs),
        MonitorFrequency = r.Seconds(ClusterKeys.NimbusMonitorFreqSecs),
        TaskLaunchTimeout = r.Seconds(ClusterKeys.NimbusTaskLaunchSecs),
        CodeSyncFrequency = r.Seconds(ClusterKeys.NimbusCodeSyncFreqSecs),
        Hostname = r.OptionalHost(ClusterKeys.LocalHostname),
        Scheduler = ReadScheduler(r),
        LocalDir = r.Directory(ClusterKeys.LocalDir),
    };

    private static SchedulerKind ReadScheduler(ConfigReader r)
    {
        var name = r.OptionalString(ClusterKeys.Scheduler);
        if (name is null || EvenSchedulerNames.Contains(name, StringComparer.OrdinalIgnoreCase))
        {
            return SchedulerKind.Even;
        }

        r.Problem(ClusterKeys.Scheduler, $"names an unknown scheduler '{name}'; known: null or 'even' (the even scheduler)");
        return SchedulerKind.Even;
    }
}
