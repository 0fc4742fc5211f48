using System.Diagnostics;
using StormSharp.Benchmarks.Cluster.Measurement;
using StormSharp.Benchmarks.Cluster.Rig;
using StormSharp.Benchmarks.Ysb.Topology;
using StormSharp.Runtime;
using StormSharp.Runtime.Stats;

namespace StormSharp.Benchmarks.Ysb;

/// <summary>Where the topology runs for one load: local mode in this process, or the cluster rig's workers.</summary>
internal interface ITopologyHost : IDisposable
{
    string Mode { get; }

    /// <summary>CPU seconds the topology has used so far.</summary>
    double CpuSeconds();

    /// <summary>What each component did, when the host can tell (local mode).</summary>
    TopologyInfo? Info();
}

/// <summary>Local mode: a LocalCluster in this process (its CPU is this process's, the result polling included).</summary>
internal sealed class LocalHost : ITopologyHost
{
    private readonly LocalCluster _cluster = new();
    private readonly string _name;

    public LocalHost(YsbSettings settings)
    {
        _name = settings.Name;
        _cluster.SubmitTopology(settings.Name, AdvertisingTopology.ConfigOf(settings), AdvertisingTopology.Build(settings));
    }

    public string Mode => "local";

    public double CpuSeconds()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    public TopologyInfo? Info() => _cluster.GetTopologyInfo(_name);

    public void Dispose()
    {
        _cluster.KillTopology(_name, TimeSpan.FromSeconds(10));
        _cluster.Dispose();
    }
}

/// <summary>The cluster: <c>storm jar</c> of the topology's assembly onto the rig, two workers on its one supervisor.</summary>
internal sealed class ClusterHost : ITopologyHost
{
    private readonly ClusterRig _rig;
    private readonly string _name;
    private readonly string _id;
    private readonly IReadOnlyList<int> _workers;

    public ClusterHost(ClusterRig rig, YsbSettings settings)
    {
        _rig = rig;
        _name = settings.Name;
        // The topology project's own output (with its .deps.json, which names librdkafka for the worker's load
        // context), not the copy beside this program.
        var dll = Path.Combine(YsbSuite.RepositoryRoot(), "benchmarks", "Ysb", "Topology", "bin", "Release", "net10.0", "StormSharp.Benchmarks.Ysb.Topology.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"the topology is not built at {dll}: build benchmarks/Ysb -c Release first");
        }

        _id = rig.Submit(settings.Name, dll, typeof(AdvertisingTopology).FullName!, (settings with { Workers = 2 }).ToArgs());
        _workers = rig.WorkerPids(_id);
    }

    public string Mode => "cluster";

    public double CpuSeconds() => CpuClock.Seconds(_workers);

    public TopologyInfo? Info() => null;

    public void Dispose() => _rig.Kill(_name, _id);
}
