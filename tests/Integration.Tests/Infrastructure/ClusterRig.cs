using System.Globalization;
using System.Reflection;
using System.Text;
using Grpc.Net.Client;
using StormSharp.Cli;
using StormSharp.Cluster;
using StormSharp.Cluster.Rpc;
using StormSharp.Cluster.Security;
using StormSharp.Nimbus;
using StormSharp.Runtime.Configuration;
using StormSharp.Supervisor;
using StormSharp.Tests.Shared;
using StormSharp.ZooKeeper;
using StormSharp.ZooKeeper.Tests.Infrastructure;

namespace StormSharp.Integration.Tests.Infrastructure;

/// <summary>
/// One test's cluster, all real: a <see cref="NimbusDaemon"/> and supervisors in this process, their workers as
/// processes, on a ZooKeeper root of the test's own on the shared server, every folder under one temporary folder.
/// The test drives it with the <c>storm</c> verbs and observes it through Nimbus's API, the cluster state and
/// <c>/proc</c>. Disposing stops the supervisors and Nimbus, then kills, by pid, any worker process whose command
/// line names this rig's folder, so nothing outlives a test whatever its outcome.
/// </summary>
internal sealed class ClusterRig : IAsyncDisposable
{
    /// <summary>How long a worker process may take from assignment to acking (start-up, package download, JIT).</summary>
    public static readonly TimeSpan WorkerStart = TimeSpan.FromSeconds(40);

    private static readonly string WordCountDll = typeof(ClusterRig).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "WordCountTargetPath").Value!;

    /// <summary>
    /// The build output of tests/Integration.Topologies: topologies made to fail. Read when asked for, so that test
    /// projects that link this rig without those topologies (the UI's) need not record it.
    /// </summary>
    public static string TestTopologiesDll => typeof(ClusterRig).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "TestTopologiesTargetPath").Value!;

    private readonly string _zooKeeperConnection;
    private readonly int _zooKeeperPort;
    private readonly Dictionary<string, (SupervisorDaemon Daemon, LogTail Log, int[] Ports)> _supervisors = new(StringComparer.Ordinal);
    private readonly LogTail _nimbusLog;
    private readonly GrpcChannel _channel;

    private readonly IReadOnlyDictionary<string, object?> _extra;
    private readonly List<string> _watched = [];
    private readonly string[] _userOptions;

    private ClusterRig(string directory, string root, string zooKeeperConnection, int zooKeeperPort, NimbusDaemon nimbus, LogTail nimbusLog, IClusterState state, IReadOnlyDictionary<string, object?> extra)
    {
        _extra = extra;
        Directory = directory;
        Root = root;
        _zooKeeperConnection = zooKeeperConnection;
        _zooKeeperPort = zooKeeperPort;
        Nimbus = nimbus;
        _nimbusLog = nimbusLog;
        State = state;
        (_userOptions, var security) = UserCredentials(extra);
        _channel = security.Channel($"127.0.0.1:{nimbus.Port}", 16 * 1024 * 1024, TimeSpan.FromSeconds(5));
        Client = new Cluster.Rpc.Nimbus.NimbusClient(_channel);
    }

    /// <summary>Who the test is on a secured cluster: the owner of what it submits, with a token signed by the cluster's secret.</summary>
    public const string User = "e2e-user";

    /// <summary>
    /// On a secured cluster (<c>storm.auth.secret</c> among the rig's settings), what the test's clients present: a
    /// token for <see cref="User"/>, and the cluster's TLS settings when it has them; as <c>storm</c> options and as the
    /// credentials of <see cref="Client"/>. On an open cluster, nothing.
    /// </summary>
    private static (string[] Options, ClientSecurity Security) UserCredentials(IReadOnlyDictionary<string, object?> extra)
    {
        if (!extra.TryGetValue("storm.auth.secret", out var secret) || secret is not string s)
        {
            return ([], ClientSecurity.None);
        }

        var token = StormTokens.Create(Encoding.UTF8.GetBytes(s), User, IdentityKind.User, DateTimeOffset.UtcNow.AddHours(2));
        List<string> options = ["-c", $"storm.auth.scheme={extra["storm.auth.scheme"]}", "-c", $"storm.auth.token={token}"];
        string? ca = null;
        foreach (var key in new[] { "storm.tls.certificate.path", "storm.tls.key.path", "storm.tls.ca.path" })
        {
            if (extra.TryGetValue(key, out var path) && path is string p)
            {
                options.AddRange(["-c", $"{key}={p}"]);
                ca = key == "storm.tls.ca.path" ? p : ca;
            }
        }

        var tls = extra.ContainsKey("storm.tls.certificate.path");
        return (options.ToArray(), new ClientSecurity { Tls = tls, TrustedAuthorities = tls && ca is not null ? TlsFiles.LoadAuthorities(ca) : null, Token = () => token });
    }

    public string Directory { get; }

    /// <summary>The test's <c>storm.zookeeper.root</c>.</summary>
    public string Root { get; }

    public NimbusDaemon Nimbus { get; }

    /// <summary>Nimbus's API, on 127.0.0.1.</summary>
    public Cluster.Rpc.Nimbus.NimbusClient Client { get; }

    /// <summary>A ZooKeeper session of the test's own on the cluster's root.</summary>
    public IClusterState State { get; }

    /// <summary>Starts ZooKeeper's session and Nimbus; <paramref name="conf"/> is added to every daemon's configuration.</summary>
    public static async Task<ClusterRig> StartAsync(StandaloneServerFixture zooKeeper, IReadOnlyDictionary<string, object?>? conf = null)
    {
        var extra = conf ?? new Dictionary<string, object?>();
        var dir = Path.Combine(Path.GetTempPath(), "stormsharp-e2e-" + Guid.NewGuid().ToString("N")[..10]);
        System.IO.Directory.CreateDirectory(dir);
        var root = "/storm-e2e-" + Guid.NewGuid().ToString("N")[..8];
        var connection = zooKeeper.ConnectionString.Split(',')[0];
        var port = int.Parse(connection[(connection.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);
        var state = await ZooKeeperClusterState.ConnectAsync(
            new ZooKeeperClientOptions { ConnectionString = connection, SessionTimeout = TimeSpan.FromSeconds(10), ConnectTimeout = TimeSpan.FromSeconds(15) },
            new ClusterStateOptions { Root = root, DigestAuth = extra.TryGetValue("storm.zookeeper.auth.payload", out var auth) ? (string?)auth : null })
            .Within("a ZooKeeper session for the test");
        var log = new LogTail();
        var nimbusConf = Common(root, port, Path.Combine(dir, "nimbus"), extra);
        nimbusConf["nimbus.thrift.port"] = 0;
        NimbusDaemon nimbus;
        try
        {
            nimbus = await NimbusDaemon.StartAsync(nimbusConf, log.CreateFactory(), CancellationToken.None).Within("Nimbus to start", TimeSpan.FromSeconds(30));
        }
        catch
        {
            await state.DisposeAsync();
            throw;
        }

        return new ClusterRig(dir, root, connection, port, nimbus, log, state, extra);
    }

    /// <summary>Starts a supervisor with its own folders and two free slot ports.</summary>
    public async Task<SupervisorDaemon> StartSupervisorAsync(string name)
    {
        // Two distinct ports: a port freed a moment ago may be handed out again at once.
        var first = Ports.Free();
        var second = Ports.Free();
        while (second == first)
        {
            second = Ports.Free();
        }

        int[] ports = [first, second];
        var conf = Common(Root, _zooKeeperPort, Path.Combine(Directory, name), _extra);
        conf["nimbus.thrift.port"] = Nimbus.Port;
        conf["supervisor.slots.ports"] = ports.Select(p => (object?)p).ToList();
        var log = new LogTail();
        foreach (var text in _watched)
        {
            log.Watch(text);
        }

        var daemon = await SupervisorDaemon.StartAsync(conf, log.CreateFactory(), CancellationToken.None).Within("supervisor " + name + " to start", TimeSpan.FromSeconds(30));
        _supervisors[name] = (daemon, log, ports);
        return daemon;
    }

    public SupervisorDaemon Supervisor(string name) => _supervisors[name].Daemon;

    /// <summary>From now on, counts the lines of Nimbus's and every supervisor's log (those started later too) that hold <paramref name="text"/>.</summary>
    public void WatchDaemonLogs(string text)
    {
        _watched.Add(text);
        _nimbusLog.Watch(text);
        foreach (var (_, log, _) in _supervisors.Values)
        {
            log.Watch(text);
        }
    }

    /// <summary>How many lines of the daemons' logs held a text given to <see cref="WatchDaemonLogs"/>.</summary>
    public int DaemonLogHits => _nimbusLog.WatchedHits + _supervisors.Values.Sum(s => s.Log.WatchedHits);

    /// <summary>The whole of every worker log of this rig.</summary>
    public string AllWorkerLogs()
    {
        var s = new StringBuilder();
        foreach (var log in System.IO.Directory.EnumerateFiles(Directory, "worker.log", SearchOption.AllDirectories))
        {
            using var f = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var r = new StreamReader(f);
            s.Append(r.ReadToEnd()).Append('\n');
        }

        return s.ToString();
    }

    /// <summary>Stops a supervisor for good (its workers too), as an operator would.</summary>
    public async Task StopSupervisorAsync(string name) =>
        await _supervisors[name].Daemon.StopAsync(CancellationToken.None).Within("supervisor " + name + " to stop with its workers", TimeSpan.FromSeconds(30));

    /// <summary>Runs a <c>storm</c> verb against this cluster's Nimbus; fails unless it exits 0. Returns its stdout.</summary>
    public async Task<string> StormAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        string[] all = [.. args, "-c", "nimbus.seeds=[\"127.0.0.1\"]", "-c", $"nimbus.thrift.port={Nimbus.Port}", .. _userOptions];
        var code = await StormCommand.RunAsync(all, stdout, stderr, timeout.Token).Within("storm " + args[0], TimeSpan.FromSeconds(60));
        Assert.True(code == ExitCodes.Ok, $"storm {string.Join(' ', args)} exited {code}: {stderr}\n{Describe()}");
        return stdout.ToString();
    }

    /// <summary><c>storm jar</c> of the WordCount example with the given worker count; returns the topology id.</summary>
    /// <param name="workers">topology.workers.</param>
    /// <param name="options">More options of <c>storm jar</c>, e.g. <c>-c key=value</c> for the topology's config.</param>
    public async Task<string> SubmitWordCountAsync(int workers, params string[] options) =>
        (await StormAsync(["jar", WordCountDll, "StormSharp.Examples.WordCount.WordCountTopology", "-c", $"topology.workers={workers}", "-c", "topology.message.timeout.secs=10", .. options])).Trim();

    public async Task<TopologyInfo> InfoAsync(string topologyId) =>
        await Client.GetTopologyInfoAsync(new TopologyRequest { Id = topologyId }, deadline: DateTime.UtcNow.AddSeconds(10)).ResponseAsync.Within("GetTopologyInfo");

    public static ComponentSummary Component(TopologyInfo info, string id) => info.Components.Single(c => c.Id == id);

    public async Task<Assignment?> AssignmentAsync(string topologyId) => (await State.GetAssignmentAsync(topologyId).Within("reading the assignment"))?.Value;

    /// <summary>Polls until <paramref name="condition"/> holds; on time-out fails with what was awaited and every log tail.</summary>
    public async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        try
        {
            await Deadline.Until(condition, what, timeout);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(e.Message + "\n" + Describe(), e);
        }
    }

    /// <summary>Waits until the spout's acked count rises by more than <paramref name="by"/> from now, and nothing failed.</summary>
    public async Task UntilAckingAsync(string topologyId, string when, long by = 20, TimeSpan? timeout = null)
    {
        var from = Component(await InfoAsync(topologyId), "sentences").Acked;
        await UntilAsync(
            async () => Component(await InfoAsync(topologyId), "sentences").Acked > from + by,
            $"the spout's acked count to rise by {by} from {from} {when}",
            timeout ?? WorkerStart);
    }

    /// <summary>Pids of worker processes started from this rig's folders (their command line names it).</summary>
    public IReadOnlyList<int> WorkerPids() => WorkerProcesses.PidsUnder(Directory);

    /// <summary>Every znode under the test's root whose path names <paramref name="topologyId"/>.</summary>
    public async Task<IReadOnlyList<string>> ZnodesNamingAsync(string topologyId)
    {
        await using var zk = await ZooKeeperClient.ConnectAsync(_zooKeeperConnection).Within("a raw ZooKeeper session");
        var found = new List<string>();
        var pending = new Stack<string>([Root]);
        while (pending.TryPop(out var path))
        {
            if (path.Contains(topologyId, StringComparison.Ordinal))
            {
                found.Add(path);
            }

            try
            {
                foreach (var child in (await zk.GetChildrenAsync(path).Within("listing " + path)).Children)
                {
                    pending.Push(path + "/" + child);
                }
            }
            catch (NoNodeException)
            {
                // Removed meanwhile.
            }
        }

        return found;
    }

    /// <summary>The last lines of Nimbus's, every supervisor's and every worker's log, for failure messages.</summary>
    public string Describe()
    {
        var s = new StringBuilder();
        s.Append("--- nimbus ---\n").Append(_nimbusLog).Append('\n');
        foreach (var (name, sup) in _supervisors)
        {
            s.Append("--- supervisor ").Append(name).Append(" (slots ").Append(string.Join(',', sup.Ports)).Append(") ---\n").Append(sup.Log).Append('\n');
        }

        foreach (var log in System.IO.Directory.EnumerateFiles(Directory, "worker.log", SearchOption.AllDirectories))
        {
            s.Append("--- ").Append(Path.GetRelativePath(Directory, log)).Append(" ---\n");
            try
            {
                using var f = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var r = new StreamReader(f);
                var lines = r.ReadToEnd().Split('\n');
                s.AppendJoin('\n', lines.Skip(Math.Max(0, lines.Length - 25))).Append('\n');
            }
            catch (IOException e)
            {
                s.Append("(unreadable: ").Append(e.Message).Append(")\n");
            }
        }

        return s.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (daemon, _, _) in _supervisors.Values)
        {
            try
            {
                await daemon.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
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
        try
        {
            await Nimbus.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            // Its port and session go with the test process.
        }

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

    /// <summary>What every daemon of the rig shares: the test's ZooKeeper root, loopback, its own folders, fast monitoring.</summary>
    private static Dictionary<string, object?> Common(string root, int zooKeeperPort, string folder, IReadOnlyDictionary<string, object?> extra)
    {
        var conf = Common(root, zooKeeperPort, folder);
        foreach (var (key, value) in extra)
        {
            conf[key] = value;
        }

        return conf;
    }

    private static Dictionary<string, object?> Common(string root, int zooKeeperPort, string folder) => new(ConfigLoader.Defaults, StringComparer.Ordinal)
    {
        ["storm.zookeeper.servers"] = new List<object?> { "127.0.0.1" },
        ["storm.zookeeper.port"] = zooKeeperPort,
        ["storm.zookeeper.root"] = root,
        ["storm.zookeeper.session.timeout"] = 10000,
        ["storm.local.dir"] = Path.Combine(folder, "local"),
        ["storm.log.dir"] = Path.Combine(folder, "logs"),
        ["storm.local.hostname"] = "127.0.0.1",
        ["nimbus.seeds"] = new List<object?> { "127.0.0.1" },
        ["nimbus.monitor.freq.secs"] = 1,
        ["nimbus.task.timeout.secs"] = 10,
        ["nimbus.task.launch.secs"] = 20,
        ["supervisor.monitor.frequency.secs"] = 1,
        ["supervisor.worker.timeout.secs"] = 10,
        ["supervisor.worker.shutdown.sleep.secs"] = 3,
        ["worker.heartbeat.frequency.secs"] = 1,
        ["topology.message.timeout.secs"] = 10,
    };
}
