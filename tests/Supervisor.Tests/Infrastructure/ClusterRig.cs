using System.Globalization;
using Microsoft.Extensions.Logging;
using StormSharp.Cluster;
using StormSharp.Cluster.Rpc;
using StormSharp.Examples.WordCount;
using StormSharp.Packaging;
using StormSharp.Runtime.Configuration;
using StormSharp.Runtime.Execution;
using StormSharp.Runtime.Serialization;
using StormSharp.Topology;
using StormSharp.ZooKeeper;
using StormSharp.ZooKeeper.Tests.Infrastructure;

namespace StormSharp.Supervisor.Tests.Infrastructure;

/// <summary>
/// One test's cluster: a ZooKeeper root of its own on the shared server, the stand-in Nimbus, supervisors with
/// folders of their own under one temporary folder, and what Nimbus would write (StormBase, Assignment) written
/// here. Disposing stops every supervisor and then kills, by pid, any worker process whose command line names this
/// rig's folder, so nothing outlives a test whatever its outcome.
/// </summary>
internal sealed class ClusterRig : IAsyncDisposable
{
    private readonly string _zooKeeperHost;
    private readonly int _zooKeeperPort;
    private readonly List<SupervisorDaemon> _supervisors = [];

    private ClusterRig(string directory, string zooKeeper, StandInNimbus nimbus, IClusterState state, string root)
    {
        Directory = directory;
        var colon = zooKeeper.LastIndexOf(':');
        _zooKeeperHost = zooKeeper[..colon];
        _zooKeeperPort = int.Parse(zooKeeper[(colon + 1)..], CultureInfo.InvariantCulture);
        Nimbus = nimbus;
        State = state;
        Root = root;
    }

    public static ILoggerFactory Logs { get; } = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning));

    public string Directory { get; }

    public string Root { get; }

    public StandInNimbus Nimbus { get; }

    /// <summary>The session the test writes Nimbus's records through.</summary>
    public IClusterState State { get; }

    public static async Task<ClusterRig> StartAsync(StandaloneServerFixture zooKeeper)
    {
        var dir = Path.Combine(Path.GetTempPath(), "stormsharp-sup-" + Guid.NewGuid().ToString("N")[..10]);
        System.IO.Directory.CreateDirectory(dir);
        var root = "/storm-sup-" + Guid.NewGuid().ToString("N")[..8];
        var nimbus = await StandInNimbus.StartAsync(Path.Combine(dir, "nimbus-blobs"));
        var state = await ZooKeeperClusterState.ConnectAsync(
            new ZooKeeperClientOptions { ConnectionString = zooKeeper.ConnectionString, SessionTimeout = TimeSpan.FromSeconds(10), ConnectTimeout = TimeSpan.FromSeconds(15) },
            new ClusterStateOptions { Root = root }).Within("a ZooKeeper session for the test");
        return new ClusterRig(dir, zooKeeper.ConnectionString.Split(',')[0], nimbus, state, root);
    }

    /// <summary>A supervisor's config: its own folders under the rig's, the given slots, fast monitoring.</summary>
    public Dictionary<string, object?> Conf(string name, params int[] ports) => new(StringComparer.Ordinal)
    {
        ["storm.zookeeper.servers"] = new List<object?> { _zooKeeperHost },
        ["storm.zookeeper.port"] = _zooKeeperPort,
        ["storm.zookeeper.root"] = Root,
        ["storm.zookeeper.session.timeout"] = 10000,
        ["storm.local.dir"] = Path.Combine(Directory, name, "local"),
        ["storm.log.dir"] = Path.Combine(Directory, name, "logs"),
        ["storm.local.hostname"] = "127.0.0.1",
        ["nimbus.seeds"] = new List<object?> { "127.0.0.1" },
        ["nimbus.thrift.port"] = Nimbus.Port,
        ["supervisor.slots.ports"] = ports.Select(p => (object?)p).ToList(),
        ["supervisor.monitor.frequency.secs"] = 1,
        ["supervisor.worker.timeout.secs"] = 10,
        ["supervisor.worker.shutdown.sleep.secs"] = 3,
        ["worker.heartbeat.frequency.secs"] = 1,
    };

    public async Task<SupervisorDaemon> StartSupervisorAsync(string name, params int[] ports)
    {
        var daemon = await SupervisorDaemon.StartAsync(Conf(name, ports), Logs, CancellationToken.None).Within("supervisor " + name + " to start", TimeSpan.FromSeconds(30));
        lock (_supervisors)
        {
            _supervisors.Add(daemon);
        }

        return daemon;
    }

    /// <summary>
    /// What Nimbus does on submit, by hand: packs the WordCount example's build output into the blob store, and
    /// writes its StormBase (ACTIVE) and an assignment dealing its executors over <paramref name="slots"/>.
    /// </summary>
    public async Task<TopologyDefinition> SubmitWordCountAsync(string topologyId, params (string SupervisorId, int Port)[] slots)
    {
        var topology = WordCountTopology.Build();
        var conf = new Dictionary<string, object?>(ConfigLoader.Defaults, StringComparer.Ordinal)
        {
            [Config.TopologyWorkers] = slots.Length,
            [Config.TopologyMaxSpoutPending] = 100,
            [Config.TopologyName] = WordCountTopology.Name,
        };
        var package = Path.Combine(Directory, topologyId + ".zip");
        PackResult packed;
        await using (var file = File.Create(package))
        {
            packed = TopologyPackage.Pack(WordCountBuildOutput(), "StormSharp.Examples.WordCount.dll", file);
        }

        await using (var file = File.OpenRead(package))
        {
            await new LocalBlobStore(Path.Combine(Directory, "nimbus-blobs")).PutAsync(topologyId, file, packed.Sha256);
        }

        Nimbus.Service.AddTopology(topologyId, TopologyDocument.Write(topology, conf), packed.Manifest.EntryAssembly);
        var definition = new TopologyDefinition(topologyId, WordCountTopology.Name, topology, conf, _ => null, rebuildComponents: false);
        var stormBase = new StormBase
        {
            Name = WordCountTopology.Name,
            Status = TopologyStatus.Active,
            NumWorkers = slots.Length,
            LaunchTimeMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            PackageKey = topologyId,
            PackageChecksum = "sha256:" + packed.Sha256,
        };
        foreach (var c in topology.Components)
        {
            stormBase.ComponentExecutors[c.Id] = c.Parallelism;
        }

        await State.SetStormBaseAsync(topologyId, stormBase).Within("writing the storm base");
        await State.SetAssignmentAsync(topologyId, Deal(definition, slots)).Within("writing the assignment");
        return definition;
    }

    /// <summary>Storm's even scheduler over the slots, as an <see cref="Assignment"/> record.</summary>
    public static Assignment Deal(TopologyDefinition definition, IReadOnlyList<(string SupervisorId, int Port)> slots)
    {
        var a = new Assignment();
        for (var i = 0; i < definition.Executors.Count; i++)
        {
            var e = definition.Executors[i];
            var slot = slots[i % slots.Count];
            a.Executors.Add(new ExecutorAssignment { Component = e.ComponentId, FirstTask = e.Tasks[0], LastTask = e.Tasks[^1], NodeId = slot.SupervisorId, Port = slot.Port });
        }

        foreach (var slot in slots)
        {
            a.NodeHosts[slot.SupervisorId] = "127.0.0.1";
            a.Workers.Add(new WorkerSlot { NodeId = slot.SupervisorId, Port = slot.Port, StartTimeMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() });
        }

        return a;
    }

    public async Task SetStatusAsync(string topologyId, TopologyStatus status)
    {
        var current = await State.GetStormBaseAsync(topologyId).Within("reading the storm base");
        var updated = current!.Value.Clone();
        updated.Status = status;
        await State.SetStormBaseAsync(topologyId, updated, current.Version).Within("writing the storm base");
    }

    /// <summary>The heartbeats of the topology's workers that reached the stand-in Nimbus.</summary>
    public IReadOnlyList<WorkerHeartbeat> HeartbeatsOf(string topologyId) =>
        [.. Nimbus.Service.Heartbeats.Values.Where(h => h.TopologyId == topologyId)];

    /// <summary>The sum of a counter over the executors of <paramref name="component"/> in the latest heartbeats.</summary>
    public long Total(string topologyId, string component, Func<Cluster.Rpc.ExecutorStats, long> counter) =>
        HeartbeatsOf(topologyId).SelectMany(h => h.Executors).Where(e => e.Component == component).Sum(counter);

    /// <summary>Pids of worker processes started from this rig's folders (their command line names it).</summary>
    public IReadOnlyList<int> WorkerPids()
    {
        var pids = new List<int>();
        foreach (var proc in System.IO.Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(proc, "cmdline"));
                if (cmdline.Contains("StormSharp.Worker.dll", StringComparison.Ordinal) && cmdline.Contains(Directory, StringComparison.Ordinal))
                {
                    pids.Add(pid);
                }
            }
            catch (IOException)
            {
                // Gone meanwhile.
            }
            catch (UnauthorizedAccessException)
            {
                // Not ours.
            }
        }

        return pids;
    }

    /// <summary>The worker log of a slot, for failure messages.</summary>
    public string LogOf(string supervisorName, string topologyId, int port)
    {
        var path = Path.Combine(Directory, supervisorName, "logs", "workers-artifacts", topologyId, port.ToString(CultureInfo.InvariantCulture), "worker.log");
        return File.Exists(path) ? File.ReadAllText(path) : "(no worker log at " + path + ")";
    }

    public async ValueTask DisposeAsync()
    {
        List<SupervisorDaemon> all;
        lock (_supervisors)
        {
            all = [.. _supervisors];
        }

        foreach (var s in all)
        {
            try
            {
                await s.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (TimeoutException)
            {
                // Whatever it left is killed below.
            }
        }

        foreach (var pid in WorkerPids())
        {
            try
            {
                using var p = System.Diagnostics.Process.GetProcessById(pid);
                p.Kill();
                await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (ArgumentException)
            {
                // Exited meanwhile.
            }
        }

        await State.DisposeAsync();
        await Nimbus.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A worker log still being closed; the temp folder is cleaned by the system.
        }
    }

    /// <summary>The WordCount example's build output folder, in the configuration these tests were built in.</summary>
    private static string WordCountBuildOutput()
    {
        var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = bin.Parent!.Name;
        var root = bin;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "StormSharp.sln")))
        {
            root = root.Parent;
        }

        var output = Path.Combine(root?.FullName ?? throw new DirectoryNotFoundException("StormSharp.sln not found above " + AppContext.BaseDirectory), "examples", "WordCount", "bin", configuration, bin.Name);
        return File.Exists(Path.Combine(output, "StormSharp.Examples.WordCount.dll")) ? output : throw new FileNotFoundException("the WordCount example is not built at " + output);
    }
}
