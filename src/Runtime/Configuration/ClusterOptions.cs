namespace StormSharp.Runtime.Configuration;

/// <summary>
/// Every cluster setting, validated together at start-up so one exception lists all of storm.yaml's mistakes;
/// each daemon takes the part it runs with. Values come from the config given, else from <c>defaults.yaml</c>.
/// </summary>
internal sealed record ClusterOptions
{
    public required ZooKeeperOptions ZooKeeper { get; init; }

    public required NimbusOptions Nimbus { get; init; }

    public required SupervisorOptions Supervisor { get; init; }

    public required WorkerOptions Worker { get; init; }

    /// <summary><c>storm.auth.*</c>, <c>storm.tls.*</c> and who may do what.</summary>
    public required SecurityOptions Security { get; init; }

    /// <summary><c>ui.port</c>.</summary>
    public required int UiPort { get; init; }

    /// <summary><c>ui.host</c>: the address <c>storm ui</c> binds (0.0.0.0: every interface).</summary>
    public required string UiHost { get; init; }

    /// <summary><c>logviewer.port</c>.</summary>
    public required int LogviewerPort { get; init; }

    /// <summary><c>dev.zookeeper.path</c>, absolute: where <c>storm dev-zookeeper</c> keeps its data.</summary>
    public required string DevZooKeeperPath { get; init; }

    /// <summary>Reads and validates every part; throws <see cref="ConfigurationException"/> listing every problem.</summary>
    /// <param name="conf">The config, e.g. <see cref="CommandLineConfig.Load"/> or <see cref="ConfigLoader.Load"/>.</param>
    /// <param name="baseDirectory">Absolute folder relative paths resolve against (Storm's installation folder).</param>
    public static ClusterOptions From(IReadOnlyDictionary<string, object?> conf, string baseDirectory)
    {
        var r = new ConfigReader(conf, baseDirectory);
        var options = new ClusterOptions
        {
            ZooKeeper = ZooKeeperOptions.Read(r),
            Nimbus = NimbusOptions.Read(r),
            Supervisor = SupervisorOptions.Read(r),
            Worker = WorkerOptions.Read(r),
            Security = SecurityOptions.Read(r),
            UiPort = r.Port(ClusterKeys.UiPort, allowZero: true),
            UiHost = r.String(ClusterKeys.UiHost),
            LogviewerPort = r.Port(ClusterKeys.LogviewerPort, allowZero: true),
            DevZooKeeperPath = r.Directory(ClusterKeys.DevZooKeeperPath),
        };
        r.ThrowIfProblems();
        return options;
    }
}
