namespace StormSharp.Runtime.Configuration;

/// <summary>Storm's names for the cluster daemons' settings; their defaults live in <c>defaults.yaml</c> only.</summary>
internal static class ClusterKeys
{
    public const string ZooKeeperServers = "storm.zookeeper.servers";
    public const string ZooKeeperPort = "storm.zookeeper.port";
    public const string ZooKeeperRoot = "storm.zookeeper.root";
    public const string ZooKeeperSessionTimeout = "storm.zookeeper.session.timeout";
    public const string ZooKeeperConnectionTimeout = "storm.zookeeper.connection.timeout";
    public const string ZooKeeperAuthScheme = "storm.zookeeper.auth.scheme";
    public const string ZooKeeperAuthPayload = "storm.zookeeper.auth.payload";
    public const string LocalDir = "storm.local.dir";
    public const string LogDir = "storm.log.dir";
    public const string LocalHostname = "storm.local.hostname";
    public const string NimbusSeeds = "nimbus.seeds";
    public const string NimbusThriftPort = "nimbus.thrift.port";
    public const string NimbusSupervisorTimeoutSecs = "nimbus.supervisor.timeout.secs";
    public const string NimbusTaskTimeoutSecs = "nimbus.task.timeout.secs";
    public const string NimbusMonitorFreqSecs = "nimbus.monitor.freq.secs";
    public const string NimbusTaskLaunchSecs = "nimbus.task.launch.secs";
    public const string NimbusCodeSyncFreqSecs = "nimbus.code.sync.freq.secs";
    public const string SupervisorSlotsPorts = "supervisor.slots.ports";
    public const string SupervisorWorkerTimeoutSecs = "supervisor.worker.timeout.secs";
    public const string SupervisorWorkerStartTimeoutSecs = "supervisor.worker.start.timeout.secs";
    public const string SupervisorMonitorFrequencySecs = "supervisor.monitor.frequency.secs";
    public const string SupervisorWorkerShutdownSleepSecs = "supervisor.worker.shutdown.sleep.secs";
    public const string WorkerHeartbeatFrequencySecs = "worker.heartbeat.frequency.secs";
    public const string Scheduler = "storm.scheduler";
    public const string UiPort = "ui.port";
    public const string UiHost = "ui.host";
    public const string LogviewerPort = "logviewer.port";
    public const string DevZooKeeperPath = "dev.zookeeper.path";
    public const string AuthScheme = "storm.auth.scheme";
    public const string AuthSecret = "storm.auth.secret";
    public const string AuthSecretFile = "storm.auth.secret.file";
    public const string AuthToken = "storm.auth.token";
    public const string TlsCertificatePath = "storm.tls.certificate.path";
    public const string TlsKeyPath = "storm.tls.key.path";
    public const string TlsCaPath = "storm.tls.ca.path";
    public const string TlsClientCertificatePath = "storm.tls.client.certificate.path";
    public const string TlsClientKeyPath = "storm.tls.client.key.path";
    /// <summary>Whether workers serve TLS on their slot ports (with <see cref="TlsCertificatePath"/>) and connect to each other with it.</summary>
    public const string MessagingTls = "storm.messaging.tls";
    public const string NimbusAdmins = "nimbus.admins";
    public const string NimbusUsers = "nimbus.users";
    public const string UiUsers = "ui.users";

    /// <summary>Written by the supervisor into a worker's config in place of the cluster's secret: the topology's worker token.</summary>
    public const string AuthWorkerToken = "storm.auth.worker.token";
}
