using System.Diagnostics;
using System.Globalization;
using StormSharp.Benchmarks.Cluster.Measurement;
using StormSharp.Benchmarks.Cluster.Rig;
using StormSharp.Benchmarks.Ysb.Topology;
using StormSharp.Runtime;

namespace StormSharp.Benchmarks.Ysb;

/// <summary>Where the topology runs for one load: local mode in this process, or the cluster rig's workers.</summary>
internal interface ITopologyHost : IDisposable
{
    string Mode { get; }

    /// <summary>CPU seconds the topology has used so far.</summary>
    double CpuSeconds();

    /// <summary>What each component did, a line each: where a stall or a loss shows first.</summary>
    IReadOnlyList<string> Components();
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

    public IReadOnlyList<string> Components() =>
        _cluster.GetTopologyInfo(_name) is { } info
            ? [.. info.Components.Select(c =>
            {
                var t = c.Total();
                var error = c.Errors.Count == 0 ? string.Empty : $"; last of {c.Errors.Count} errors: {c.Errors[^1].Message}";
                return Line(c.Id, t.Emitted, t.Executed, t.Acked, t.Failed, t.CompleteLatencyMs, error);
            })]
            : [];

    internal static string Line(string id, long emitted, long executed, long acked, long failed, double completeLatencyMs, string error) =>
        string.Create(CultureInfo.InvariantCulture, $"{id}: emitted {emitted:N0}, executed {executed:N0}, acked {acked:N0}, failed {failed:N0}, complete latency {completeLatencyMs:0.0} ms{error}");

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

        // One of each bolt in each worker, as YSB scales its bolts with the cluster: the shuffles then keep an event
        // in the worker whose spout read it until the campaign's processor, the one hop a fields grouping decides.
        _id = rig.Submit(settings.Name, dll, typeof(AdvertisingTopology).FullName!, (settings with { Workers = 2, Parallelism = Math.Max(2, settings.Parallelism) }).ToArgs());
        _workers = rig.WorkerPids(_id);
    }

    public string Mode => "cluster";

    public double CpuSeconds() => CpuClock.Seconds(_workers);

    /// <summary>Nimbus's sums of the workers' last heartbeats, so a few seconds old.</summary>
    public IReadOnlyList<string> Components() =>
        _rig.Nimbus.Info(_name) is { } info
            ? [.. info.Components.Select(c => LocalHost.Line(
                c.Id, c.Emitted, c.Executed, c.Acked, c.Failed, c.CompleteLatencyMs, c.Errors == 0 ? string.Empty : $"; last of {c.Errors} errors: {c.LastError}"))]
            : [];

    public void Dispose() => _rig.Kill(_name, _id);
}
