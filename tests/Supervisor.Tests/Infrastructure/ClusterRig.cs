using System.Globalization;
using Google.Protobuf;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using StormSharp.Cluster;
using StormSharp.Cluster.Rpc;
using StormSharp.Examples.WordCount;
using StormSharp.Nimbus;
using StormSharp.Packaging;
using StormSharp.Runtime.Configuration;
using StormSharp.Runtime.Serialization;
using StormSharp.Tests.Shared;
using StormSharp.Topology;
using StormSharp.ZooKeeper;
using StormSharp.ZooKeeper.Tests.Infrastructure;

namespace StormSharp.Supervisor.Tests.Infrastructure;

/// <summary>
/// One test's cluster: a ZooKeeper root of its own on the shared server, a real <see cref="NimbusDaemon"/> in this
/// process, supervisors with folders of their own under one temporary folder. Topologies are submitted to Nimbus
/// over its API, as <c>storm jar</c> does. Disposing stops every supervisor and then kills, by pid, any worker
/// process whose command line names this rig's folder, so nothing outlives a test whatever its outcome.
/// </summary>
internal sealed class ClusterRig : IAsyncDisposable
{
    private static readonly Lazy<(byte[] Bytes, PackResult Packed)> WordCountPackage = new(PackWordCount);

    private readonly string _zooKeeperHost;
    private readonly int _zooKeeperPort;
    private readonly List<SupervisorDaemon> _supervisors = [];
    private GrpcChannel _channel;

    private ClusterRig(string directory, string zooKeeper, NimbusDaemon nimbus, IClusterState state, string root)
    {
        Directory = directory;
        var colon = zooKeeper.LastIndexOf(':');
        _zooKeeperHost = zooKeeper[..colon];
        _zooKeeperPort = int.Parse(zooKeeper[(colon + 1)..], CultureInfo.InvariantCulture);
        Nimbus = nimbus;
        State = state;
        Root = root;
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{nimbus.Port}");
        Client = new Cluster.Rpc.Nimbus.NimbusClient(_channel);
    }

    public static ILoggerFactory Logs { get; } = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning));

    public string Directory { get; }

    public string Root { get; }

    public NimbusDaemon Nimbus { get; private set; }

    /// <summary>Nimbus's API, on 127.0.0.1.</summary>
    public Cluster.Rpc.Nimbus.NimbusClient Client { get; private set; }

    /// <summary>A session of the test's own, to read what Nimbus and the supervisors wrote and to write bad records.</summary>
    public IClusterState State { get; }

    private static DateTime CallDeadline => DateTime.UtcNow.AddSeconds(20);

    public static async Task<ClusterRig> StartAsync(StandaloneServerFixture zooKeeper)
    {
        var dir = Path.Combine(Path.GetTempPath(), "stormsharp-sup-" + Guid.NewGuid().ToString("N")[..10]);
        System.IO.Directory.CreateDirectory(dir);
        var root = "/storm-sup-" + Guid.NewGuid().ToString("N")[..8];
        var connection = zooKeeper.ConnectionString.Split(',')[0];
        var state = await ZooKeeperClusterState.ConnectAsync(
            new ZooKeeperClientOptions { ConnectionString = connection, SessionTimeout = TimeSpan.FromSeconds(10), ConnectTimeout = TimeSpan.FromSeconds(15) },
            new ClusterStateOptions { Root = root }).Within("a ZooKeeper session for the test");
        try
        {
            var nimbus = await NimbusDaemon.StartAsync(NimbusConf(dir, root, connection, 0), Logs, CancellationToken.None).Within("Nimbus to start", TimeSpan.FromSeconds(30));
            return new ClusterRig(dir, connection, nimbus, state, root);
        }
        catch
        {
            await state.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops Nimbus; topologies keep their records and blobs.</summary>
    public async Task StopNimbusAsync()
    {
        await Nimbus.StopAsync(CancellationToken.None).Within("Nimbus to stop", TimeSpan.FromSeconds(30));
        _channel.Dispose();
    }

    /// <summary>Starts Nimbus again with the same blob store, on its old port or on <paramref name="port"/> (as a Nimbus moved elsewhere).</summary>
    public async Task StartNimbusAsync(int? port = null)
    {
        Nimbus = await NimbusDaemon.StartAsync(NimbusConf(Directory, Root, $"{_zooKeeperHost}:{_zooKeeperPort}", port ?? Nimbus.Port), Logs, CancellationToken.None).Within("Nimbus to start again", TimeSpan.FromSeconds(30));
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{Nimbus.Port}");
        Client = new Cluster.Rpc.Nimbus.NimbusClient(_channel);
    }

    /// <summary>A supervisor's config: its own folders under the rig's, the given slots, fast monitoring; Nimbus on <paramref name="nimbusPort"/> (default: the rig's).</summary>
    public Dictionary<string, object?> Conf(string name, int[] ports, int? nimbusPort = null) => new(StringComparer.Ordinal)
    {
        ["storm.zookeeper.servers"] = new List<object?> { _zooKeeperHost },
        ["storm.zookeeper.port"] = _zooKeeperPort,
        ["storm.zookeeper.root"] = Root,
        ["storm.zookeeper.session.timeout"] = 10000,
        ["storm.local.dir"] = Path.Combine(Directory, name, "local"),
        ["storm.log.dir"] = Path.Combine(Directory, name, "logs"),
        ["storm.local.hostname"] = "127.0.0.1",
        ["nimbus.seeds"] = new List<object?> { "127.0.0.1" },
        ["nimbus.thrift.port"] = nimbusPort ?? Nimbus.Port,
        ["supervisor.slots.ports"] = ports.Select(p => (object?)p).ToList(),
        ["supervisor.monitor.frequency.secs"] = 1,
        ["supervisor.worker.timeout.secs"] = 10,
        ["supervisor.worker.shutdown.sleep.secs"] = 3,
        ["worker.heartbeat.frequency.secs"] = 1,
    };

    public Task<SupervisorDaemon> StartSupervisorAsync(string name, params int[] ports) => StartSupervisorAsync(Conf(name, ports), name);

    public async Task<SupervisorDaemon> StartSupervisorAsync(Dictionary<string, object?> conf, string name)
    {
        var daemon = await SupervisorDaemon.StartAsync(conf, Logs, CancellationToken.None).Within("supervisor " + name + " to start", TimeSpan.FromSeconds(30));
        lock (_supervisors)
        {
            _supervisors.Add(daemon);
        }

        return daemon;
    }

    /// <summary>Submits the WordCount example to Nimbus as <c>storm jar</c> would: its build output packed, the document, the header; returns the topology id.</summary>
    public async Task<string> SubmitWordCountAsync(int workers)
    {
        var (bytes, packed) = WordCountPackage.Value;
        var conf = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            [Config.TopologyWorkers] = workers,
            [Config.TopologyMaxSpoutPending] = 100,
            [Config.TopologyMessageTimeoutSecs] = 10,
        };
        using var call = Client.SubmitTopology(deadline: CallDeadline);
        await call.RequestStream.WriteAsync(new SubmitChunk
        {
            Header = new SubmitHeader
            {
                Name = WordCountTopology.Name,
                TopologyDocument = ByteString.CopyFrom(TopologyDocument.Write(WordCountTopology.Build(), conf)),
                EntryAssembly = packed.Manifest.EntryAssembly,
                PackageLength = bytes.Length,
                PackageSha256 = packed.Sha256,
                Owner = "tester",
            },
        });
        for (var offset = 0; offset < bytes.Length; offset += 65536)
        {
            await call.RequestStream.WriteAsync(new SubmitChunk { Data = ByteString.CopyFrom(bytes, offset, Math.Min(65536, bytes.Length - offset)) });
        }

        await call.RequestStream.CompleteAsync();
        return (await call.ResponseAsync.Within("Nimbus to accept the submit")).TopologyId;
    }

    public async Task DeactivateAsync(string topologyId) =>
        await Client.DeactivateAsync(new TopologyRequest { Id = topologyId }, deadline: CallDeadline).ResponseAsync.Within("deactivate");

    public async Task ActivateAsync(string topologyId) =>
        await Client.ActivateAsync(new TopologyRequest { Id = topologyId }, deadline: CallDeadline).ResponseAsync.Within("activate");

    public async Task KillAsync(string topologyId) =>
        await Client.KillTopologyAsync(new KillRequest { Name = WordCountTopology.Name, WaitSecs = 0 }, deadline: CallDeadline).ResponseAsync.Within("kill " + topologyId);

    /// <summary>Nimbus's view of the topology, summed from the workers' heartbeats.</summary>
    public async Task<TopologyInfo> InfoAsync(string topologyId) =>
        await Client.GetTopologyInfoAsync(new TopologyRequest { Id = topologyId }, deadline: CallDeadline).ResponseAsync.Within("GetTopologyInfo");

    /// <summary>A counter of <paramref name="component"/> summed over its executors, as Nimbus reports it.</summary>
    public async Task<long> TotalAsync(string topologyId, string component, Func<ComponentSummary, long> counter) =>
        counter((await InfoAsync(topologyId)).Components.Single(c => c.Id == component));

    /// <summary>Pids of worker processes started from this rig's folders (their command line names it).</summary>
    public IReadOnlyList<int> WorkerPids() => WorkerProcesses.PidsUnder(Directory);

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

        _channel.Dispose();
        await Nimbus.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        await State.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A worker log still being closed; the temp folder is cleaned by the system.
        }
    }

    private static Dictionary<string, object?> NimbusConf(string dir, string root, string zooKeeper, int port) => new(ConfigLoader.Defaults, StringComparer.Ordinal)
    {
        ["storm.zookeeper.servers"] = new List<object?> { zooKeeper[..zooKeeper.LastIndexOf(':')] },
        ["storm.zookeeper.port"] = int.Parse(zooKeeper[(zooKeeper.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture),
        ["storm.zookeeper.root"] = root,
        ["storm.zookeeper.session.timeout"] = 10000,
        ["storm.local.dir"] = Path.Combine(dir, "nimbus"),
        ["storm.local.hostname"] = "127.0.0.1",
        ["nimbus.thrift.port"] = port,
        ["nimbus.monitor.freq.secs"] = 1,
        ["nimbus.task.timeout.secs"] = 10,
        ["nimbus.task.launch.secs"] = 30,
    };

    private static (byte[] Bytes, PackResult Packed) PackWordCount()
    {
        using var buffer = new MemoryStream();
        var packed = TopologyPackage.Pack(WordCountBuildOutput(), "StormSharp.Examples.WordCount.dll", buffer);
        return (buffer.ToArray(), packed);
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
