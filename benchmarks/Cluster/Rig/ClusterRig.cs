using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using StormSharp.Benchmarks.Cluster.Measurement;
using StormSharp.Cluster;
using StormSharp.ZooKeeper;

namespace StormSharp.Benchmarks.Cluster.Rig;

/// <summary>
/// A cluster started the way a user starts one, every daemon a <c>bin/storm</c> process: <c>dev-zookeeper</c>,
/// <c>nimbus</c> and one or more <c>supervisor</c>s with two slots each, on free loopback ports, under a temporary run folder
/// (configuration, logs, local dirs, ZooKeeper's data). <see cref="Dispose"/> stops what it started by pid,
/// supervisors first (it stops its workers), then any worker still alive, Nimbus, ZooKeeper and its JVM; the run
/// folder is deleted unless <see cref="KeepRunDirectory"/> was set (it is, when something failed). With a
/// <see cref="RigSecurity"/> the cluster is secured (tokens, TLS) and the rig's own calls present its admin token;
/// <see cref="StartUi"/> and <see cref="StartLogviewer"/> add <c>storm ui</c> and <c>storm logviewer</c>, stopped first.
/// </summary>
internal sealed class ClusterRig : IDisposable
{
    /// <summary>How long a daemon may take to serve, and a topology's workers to start, on a loaded 2-core machine.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(180);

    private const string WorkerMarker = "StormSharp.Worker.dll";
    private const string ZooKeeperMarker = "org.apache.zookeeper";

    private readonly List<StormProcess> _daemons = [];
    private readonly HashSet<int> _workerPids = [];
    private readonly List<int> _zooKeeperJvm = [];
    private StormProcess? _zooKeeper;
    private StormProcess? _nimbus;
    private readonly List<StormProcess> _supervisors = [];
    private readonly List<StormProcess> _webDaemons = [];

    private ClusterRig(string root, int supervisors, RigSecurity? security)
    {
        Security = security;
        Root = root;
        Storm = Path.Combine(root, "bin", "storm");
        RunDirectory = Path.Combine(Path.GetTempPath(), "stormsharp-bench-cluster-" + Guid.NewGuid().ToString("N")[..8]);
        ConfDirectory = Path.Combine(RunDirectory, "conf");
        LogDirectory = Path.Combine(RunDirectory, "logs");
        SupervisorLocalDirs = [.. Enumerable.Range(0, supervisors).Select(i => Path.Combine(RunDirectory, i == 0 ? "supervisor" : $"supervisor-{i + 1}"))];
        var ports = FreePorts(4 + (2 * supervisors));
        ZooKeeperPort = ports[0];
        NimbusPort = ports[1];
        UiPort = ports[2];
        LogviewerPort = ports[3];
        SlotPorts = ports[4..];
        Nimbus = new NimbusProbe(NimbusPort, security?.Client);
        ZooKeeper = new ZooKeeperProbe(ZooKeeperPort);
    }

    public string Root { get; }

    public string Storm { get; }

    public string RunDirectory { get; }

    public string ConfDirectory { get; }

    public string LogDirectory { get; }

    /// <summary>Each supervisor's <c>storm.local.dir</c>.</summary>
    public IReadOnlyList<string> SupervisorLocalDirs { get; }

    public int ZooKeeperPort { get; }

    public int NimbusPort { get; }

    /// <summary><c>ui.port</c>, served once <see cref="StartUi"/> was called.</summary>
    public int UiPort { get; }

    /// <summary><c>logviewer.port</c>, served once <see cref="StartLogviewer"/> was called.</summary>
    public int LogviewerPort { get; }

    /// <summary>The cluster's security settings; null for an open cluster.</summary>
    public RigSecurity? Security { get; }

    /// <summary>The Nimbus process.</summary>
    public StormProcess NimbusProcess => _nimbus!;

    /// <summary>The supervisor processes, in order.</summary>
    public IReadOnlyList<StormProcess> SupervisorProcesses => _supervisors;

    /// <summary>Every supervisor's two slot ports, in supervisor order.</summary>
    public int[] SlotPorts { get; }

    public NimbusProbe Nimbus { get; }

    public ZooKeeperProbe ZooKeeper { get; }

    public bool KeepRunDirectory { get; set; }

    /// <summary>The pids whose CPU a cluster run is charged with: Nimbus and the supervisors (the topology's workers apart).</summary>
    public IReadOnlyList<int> DaemonPids => [_nimbus!.Pid, .. _supervisors.Select(s => s.Pid)];

    /// <summary>Nimbus and the supervisors by name (<c>nimbus</c>, <c>supervisor</c>, <c>supervisor-2</c>, ...).</summary>
    public IReadOnlyList<(string Name, int Pid)> Daemons => [("nimbus", _nimbus!.Pid), .. _supervisors.Select(s => (s.Name, s.Pid))];

    /// <summary>
    /// Starts ZooKeeper, Nimbus and <paramref name="supervisors"/> supervisors and waits until each serves; stops what it
    /// started if one fails.
    /// </summary>
    public static ClusterRig Start(string root, int supervisors = 1, RigSecurity? security = null)
    {
        var rig = new ClusterRig(root, supervisors, security);
        try
        {
            rig.StartDaemons();
            return rig;
        }
        catch
        {
            rig.KeepRunDirectory = true;
            rig.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Submits <paramref name="dll"/>'s <paramref name="type"/> with <c>storm jar -c topology.workers=2</c> and waits until
    /// Nimbus reports both workers heartbeating; returns the topology id.
    /// </summary>
    public string Submit(string name, string dll, string type, params string[] args)
    {
        Bench.Log($"  storm jar {Path.GetFileName(dll)} {type} {string.Join(' ', args)}");
        StormProcess.Run(Storm, ConfDirectory, Path.Combine(LogDirectory, $"jar-{name}.out"), StartTimeout, Security?.AdminToken, ["jar", "-c", "topology.workers=2", dll, type, .. args]);
        string? id = null;
        Wait(
            () =>
            {
                var info = Nimbus.Info(name);
                id = info?.Summary.Id;
                return info is not null && info.Workers.Count == 2 && info.Workers.All(w => w.HeartbeatAgeMs >= 0);
            },
            StartTimeout,
            $"both workers of {name} to heartbeat to Nimbus");
        foreach (var pid in WorkerPids(id!))
        {
            _workerPids.Add(pid);
        }

        return id!;
    }

    /// <summary><c>storm kill NAME -w 1</c>, then waits until Nimbus forgot it and its worker processes are gone.</summary>
    public void Kill(string name, string topologyId)
    {
        StormProcess.Run(Storm, ConfDirectory, Path.Combine(LogDirectory, $"kill-{name}.out"), TimeSpan.FromSeconds(60), Security?.AdminToken, ["kill", name, "-w", "1"]);
        Wait(() => Nimbus.Info(name) is null, TimeSpan.FromSeconds(60), $"Nimbus to remove {name}");
        var pids = WorkerPids(topologyId);
        Wait(() => pids.All(p => !Signals.IsAlive(p, WorkerMarker)), TimeSpan.FromSeconds(60), $"the workers of {name} to exit");
    }

    /// <summary><c>storm ui</c> on <see cref="UiPort"/> (127.0.0.1); returns once the port takes connections.</summary>
    public StormProcess StartUi() => WebDaemon("ui", UiPort);

    /// <summary><c>storm logviewer</c> on <see cref="LogviewerPort"/>; returns once the port takes connections.</summary>
    public StormProcess StartLogviewer() => WebDaemon("logviewer", LogviewerPort);

    private StormProcess WebDaemon(string verb, int port)
    {
        var process = Daemon(verb, verb);
        _webDaemons.Add(process);
        Wait(
            () =>
            {
                try
                {
                    using var client = new TcpClient();
                    client.Connect(IPAddress.Loopback, port);
                    return true;
                }
                catch (SocketException)
                {
                    return false;
                }
            },
            StartTimeout,
            $"{verb} to listen on {port}",
            process);
        return process;
    }

    /// <summary>The worker processes of a topology, from the heartbeat files they write for the supervisor.</summary>
    public IReadOnlyList<int> WorkerPids(string topologyId)
    {
        var pids = new List<int>();
        foreach (var dir in SupervisorLocalDirs.Select(d => Path.Combine(d, "workers")).Where(Directory.Exists).SelectMany(Directory.EnumerateDirectories))
        {
            try
            {
                using var beat = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "heartbeat")));
                if (beat.RootElement.GetProperty("TopologyId").GetString() == topologyId)
                {
                    pids.Add(beat.RootElement.GetProperty("Pid").GetInt32());
                }
            }
            catch (Exception e) when (e is IOException or JsonException or KeyNotFoundException)
            {
                // Not a worker of this topology, or not heartbeating yet.
            }
        }

        return pids;
    }

    private IEnumerable<int> AllWorkerPids()
    {
        foreach (var dir in SupervisorLocalDirs.Select(d => Path.Combine(d, "workers")).Where(Directory.Exists).SelectMany(Directory.EnumerateDirectories))
        {
            var pidFile = Path.Combine(dir, "pid");
            if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture, out var pid))
            {
                yield return pid;
            }
        }
    }

    /// <summary>Which slot port each component's executors run on, from the topology's assignment in ZooKeeper.</summary>
    public async Task<IReadOnlyDictionary<string, int[]>> PlacementAsync(string topologyId)
    {
        await using var state = await ZooKeeperClusterState.ConnectAsync(new ZooKeeperClientOptions
        {
            ConnectionString = $"127.0.0.1:{ZooKeeperPort}",
            SessionTimeout = TimeSpan.FromSeconds(10),
        }).ConfigureAwait(false);
        var assignment = await state.GetAssignmentAsync(topologyId).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"no assignment for {topologyId} in ZooKeeper");
        return assignment.Value.Executors
            .GroupBy(e => e.Component, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(e => e.Port).Distinct().Order().ToArray(), StringComparer.Ordinal);
    }

    public void Dispose()
    {
        Nimbus.Dispose();
        foreach (var web in _webDaemons)
        {
            web.Stop(TimeSpan.FromSeconds(10));
        }

        foreach (var pid in AllWorkerPids())
        {
            _workerPids.Add(pid);
        }

        // Supervisors first: they stop their workers (supervisor.worker.shutdown.sleep.secs, then kill them).
        foreach (var supervisor in _supervisors)
        {
            supervisor.Stop(TimeSpan.FromSeconds(30));
        }

        foreach (var pid in _workerPids)
        {
            Signals.Stop(pid, WorkerMarker, TimeSpan.FromSeconds(5));
        }

        _nimbus?.Stop(TimeSpan.FromSeconds(20));
        _zooKeeper?.Stop(TimeSpan.FromSeconds(20));
        foreach (var pid in _zooKeeperJvm)
        {
            Signals.Stop(pid, ZooKeeperMarker, TimeSpan.FromSeconds(5));
        }

        foreach (var d in _daemons)
        {
            d.Dispose();
        }

        if (KeepRunDirectory)
        {
            Bench.Log($"cluster run folder kept for its logs: {RunDirectory}");
        }
        else
        {
            try
            {
                Directory.Delete(RunDirectory, recursive: true);
            }
            catch (IOException e)
            {
                Bench.Log($"could not delete {RunDirectory}: {e.Message}");
            }
        }
    }

    private void StartDaemons()
    {
        Directory.CreateDirectory(ConfDirectory);
        Directory.CreateDirectory(LogDirectory);
        File.WriteAllText(Path.Combine(ConfDirectory, "storm.yaml"), string.Create(CultureInfo.InvariantCulture, $"""
            # The cluster benchmark's configuration: everything on loopback, on ports free when the run began.
            storm.zookeeper.servers: ["127.0.0.1"]
            storm.zookeeper.port: {ZooKeeperPort}
            nimbus.seeds: ["127.0.0.1"]
            nimbus.thrift.port: {NimbusPort}
            storm.local.hostname: "127.0.0.1"
            storm.log.dir: "{LogDirectory}"
            dev.zookeeper.path: "{Path.Combine(RunDirectory, "zookeeper")}"
            ui.host: "127.0.0.1"
            ui.port: {UiPort}
            logviewer.port: {LogviewerPort}

            """) + (Security?.Yaml ?? string.Empty));

        // Builds the CLI once (when stale) before daemons race to.
        StormProcess.Run(Storm, ConfDirectory, Path.Combine(LogDirectory, "version.out"), TimeSpan.FromMinutes(5), "version");

        Bench.Log($"cluster{(Security is null ? string.Empty : Security.CertificatePath is null ? " (secured: token, no TLS)" : " (secured: token, TLS)")}: dev-zookeeper on {ZooKeeperPort}, nimbus on {NimbusPort}, {SupervisorLocalDirs.Count} supervisor(s) with slots {string.Join(", ", SlotPorts)}; run folder {RunDirectory}");
        _zooKeeper = Daemon("zookeeper", "dev-zookeeper");
        Wait(ZooKeeper.IsServing, StartTimeout, "ZooKeeper to answer ruok", _zooKeeper);
        _zooKeeperJvm.AddRange(Signals.Children(_zooKeeper.Pid));

        _nimbus = Daemon("nimbus", "nimbus", "-c", $"storm.local.dir={Path.Combine(RunDirectory, "nimbus")}");
        Wait(Nimbus.IsLeader, StartTimeout, "Nimbus to lead", _nimbus);

        for (var i = 0; i < SupervisorLocalDirs.Count; i++)
        {
            var supervisor = Daemon(
                Path.GetFileName(SupervisorLocalDirs[i]),
                "supervisor",
                "-c",
                $"storm.local.dir={SupervisorLocalDirs[i]}",
                "-c",
                $"supervisor.slots.ports=[{SlotPorts[2 * i]}, {SlotPorts[(2 * i) + 1]}]");
            _supervisors.Add(supervisor);
            var slots = 2 * (i + 1);
            Wait(
                () => Nimbus.IsLeader() && ClusterSlots() >= slots,
                StartTimeout,
                $"{supervisor.Name} to register its two slots",
                supervisor);
        }
    }

    private int ClusterSlots() => Nimbus.SlotsTotal();

    private StormProcess Daemon(string name, params string[] args)
    {
        var p = StormProcess.Start(Storm, ConfDirectory, Path.Combine(LogDirectory, name + ".out"), name, args);
        _daemons.Add(p);
        return p;
    }

    /// <summary>Polls <paramref name="condition"/> every 100 ms; throws naming what was awaited (and the daemon's log) on timeout or exit.</summary>
    public static void Wait(Func<bool> condition, TimeSpan timeout, string what, StormProcess? daemon = null)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if (condition())
                {
                    return;
                }
            }
            catch (Grpc.Core.RpcException)
            {
                // Not serving yet.
            }

            if (daemon is { HasExited: true })
            {
                throw new InvalidOperationException($"{daemon.Name} exited while waiting for {what}; its log:\n{daemon.Tail()}");
            }

            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"waited {timeout.TotalSeconds:0} s for {what}" + (daemon is null ? string.Empty : $"; {daemon.Name}'s log:\n{daemon.Tail()}"));
            }

            Thread.Sleep(100);
        }
    }

    private static int[] FreePorts(int count)
    {
        var listeners = new List<TcpListener>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var l = new TcpListener(IPAddress.Loopback, 0);
                l.Start();
                listeners.Add(l);
            }

            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var l in listeners)
            {
                l.Stop();
            }
        }
    }
}
