using StormSharp.Cluster;

namespace StormSharp.Supervisor;

/// <summary>How a <see cref="SupervisorDaemon"/> is hosted, beyond the config: what tests and embedders change.</summary>
public sealed class SupervisorHostOptions
{
    /// <summary>
    /// The cluster state to use instead of a ZooKeeper session of its own; the caller keeps ownership (it is not
    /// disposed on stop). Default null: connect to <c>storm.zookeeper.servers</c>.
    /// </summary>
    public IClusterState? ClusterState { get; init; }

    /// <summary>The worker assembly to launch. Default null: <c>StormSharp.Worker.dll</c> next to the supervisor's assemblies.</summary>
    public string? WorkerAssemblyPath { get; init; }

    /// <summary>
    /// The <c>dotnet</c> host to run workers with. Default null: <c>DOTNET_HOST_PATH</c>, else this process's own
    /// executable when it is <c>dotnet</c>, else <c>dotnet</c> from the PATH.
    /// </summary>
    public string? DotnetPath { get; init; }

    /// <summary>The folder relative paths in the config resolve against (Storm's installation folder). Default null: the current folder.</summary>
    public string? BaseDirectory { get; init; }
}
