using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using StormSharp.Benchmarks.Cluster.Rig;
using StormSharp.Cluster;
using StormSharp.Cluster.Rpc;
using StormSharp.ZooKeeper;

namespace StormSharp.Benchmarks.Faults.Rig;

/// <summary>
/// A cluster of real processes on hosts of their own (network namespaces on a bridge of the rig's own): a 3-server
/// ZooKeeper ensemble on host <c>zk</c>, Nimbus on <c>n1</c> and <c>n2</c>, supervisors with two slots on
/// <c>s1</c>..<c>s3</c>, every daemon started by <c>bin/storm</c> as a user would, with short timeouts so that faults
/// heal in seconds. Everything lives under one run folder, which every host shares (it is one machine): logs, local
/// dirs, and the fault topology's commit and sink files. <see cref="Dispose"/> kills every process it started and every
/// worker under the run folder, by pid, and removes the namespaces and links, whatever happened.
/// </summary>
internal sealed class FaultCluster : IDisposable
{
    public const string TopologyType = "StormSharp.Benchmarks.Faults.Topology.FaultTopology";
    public const int SessionTimeoutMs = 8000;
    public const int NimbusPort = 6627;

    /// <summary>How long a start-up step may take on a loaded 2-core machine.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(180);

    private static readonly string[] Marker = ["StormSharp.Worker.dll"];

    private readonly Hosts _hosts;
    private readonly Dictionary<string, Daemon> _daemons = new(StringComparer.Ordinal);
    private readonly Action<string> _log;
    private ZooKeeperQuorum? _zooKeeper;
    private int _disposed;

    private FaultCluster(Hosts hosts, string runDirectory, Action<string> log)
    {
        _hosts = hosts;
        RunDirectory = runDirectory;
        _log = log;
        Storm = Path.Combine(RepositoryRoot, "bin", "storm");
        TopologyDll = typeof(FaultCluster).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "FaultTopologyTargetPath").Value!;

        // A test host told to stop (SIGTERM) still stops what this rig started.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Dispose();
    }

    /// <summary>The checkout this was built from (bin/storm, benchmarks/RESULTS.md).</summary>
    public static string RepositoryRoot { get; } = typeof(FaultCluster).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    public string RunDirectory { get; }

    /// <summary>Keep the run folder (logs, sink files) after <see cref="Dispose"/>: set when something failed.</summary>
    public bool KeepRunDirectory { get; set; } = Environment.GetEnvironmentVariable("STORMSHARP_FAULTS_KEEP") == "1";

    public string Storm { get; }

    public string TopologyDll { get; }

    public ZooKeeperQuorum ZooKeeper => _zooKeeper!;

    public Hosts Hosts => _hosts;

    public IEnumerable<Host> SupervisorHosts => _hosts.All.Where(h => h.Name.StartsWith('s'));

    public Daemon Daemon(string name) => _daemons[name];

    /// <summary>Nimbus and supervisor daemons.</summary>
    public IEnumerable<Daemon> Daemons => _daemons.Values;

    /// <summary>Makes the hosts and starts ZooKeeper, both Nimbus and the supervisors; waits until all serve.</summary>
    public static async Task<FaultCluster> StartAsync(Action<string> log, CancellationToken ct)
    {
        var run = Path.Combine(Path.GetTempPath(), "stormsharp-faults-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(run);
        Hosts? hosts = null;
        FaultCluster? cluster = null;
        try
        {
            hosts = Hosts.Create(("zk", 3), ("n1", 1), ("n2", 1), ("s1", 1), ("s2", 1), ("s3", 1));
            cluster = new FaultCluster(hosts, run, log);
            await cluster.StartAllAsync(ct).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            if (cluster is not null)
            {
                cluster.Dispose();
            }
            else
            {
                hosts?.Dispose();
                Directory.Delete(run, recursive: true);
            }

            throw;
        }
    }

    private async Task StartAllAsync(CancellationToken ct)
    {
        // Built once here, so no daemon builds it (a host has no network to restore packages from).
        Run(TimeSpan.FromMinutes(5), Path.Combine(RunDirectory, "version.out"), "version");
        _zooKeeper = new ZooKeeperQuorum(_hosts["zk"], Path.Combine(RunDirectory, "zk"), 3);
        for (var i = 0; i < 3; i++)
        {
            _zooKeeper.Start(i);
        }

        await WaitAsync(() => Task.FromResult(Enumerable.Range(0, 3).All(i => FourLetter(_zooKeeper.Addresses[i], "srvr")?.Contains("Mode:", StringComparison.Ordinal) == true)), StartTimeout, "the ZooKeeper ensemble to serve", ct).ConfigureAwait(false);
        WriteConf(null);
        foreach (var host in _hosts.All.Where(h => h.Name != "zk"))
        {
            WriteConf(host);
            var verb = host.Name.StartsWith('n') ? "nimbus" : "supervisor";
            var conf = ConfDirectory(host);
            var storm = Storm;
            var daemon = new Daemon(host.Name, host, Path.Combine(RunDirectory, host.Name, "daemon.out"), () =>
            {
                var psi = Hosts.On(host, storm, [verb]);
                psi.Environment["STORM_CONF_DIR"] = conf;
                return psi;
            });
            _daemons[host.Name] = daemon;
            daemon.Start();
        }

        await WaitAsync(
            async () =>
            {
                var info = await ClusterInfoAsync(ct).ConfigureAwait(false);
                return info is not null && info.Supervisors.Count == 3 && info.Nimbuses.Count == 2 && info.Nimbuses.Any(n => n.IsLeader);
            },
            StartTimeout,
            "both Nimbus and three supervisors to register",
            ct).ConfigureAwait(false);
        _log($"cluster up: ZooKeeper {_zooKeeper.ConnectionString}, Nimbus {_hosts["n1"].Address} and {_hosts["n2"].Address}, supervisors on {string.Join(", ", SupervisorHosts.Select(h => h.Address))}");
    }

    /// <summary><c>storm jar</c> of the fault topology; returns its id once every worker heartbeats.</summary>
    public async Task<string> SubmitAsync(string name, string dataDirectory, long records, double rate, int workers, CancellationToken ct)
    {
        Directory.CreateDirectory(dataDirectory);
        Run(
            TimeSpan.FromMinutes(3),
            Path.Combine(RunDirectory, $"jar-{name}.out"),
            "jar", TopologyDll, TopologyType, name, dataDirectory, records.ToString(CultureInfo.InvariantCulture), rate.ToString(CultureInfo.InvariantCulture), workers.ToString(CultureInfo.InvariantCulture));
        string? id = null;
        await WaitAsync(
            async () =>
            {
                var info = await TopologyInfoAsync(name, ct).ConfigureAwait(false);
                id = info?.Summary.Id;
                return info is not null && info.Workers.Count == workers && info.Workers.All(w => w.HeartbeatAgeMs >= 0);
            },
            StartTimeout,
            $"the {workers} workers of {name} to heartbeat",
            ct).ConfigureAwait(false);
        return id!;
    }

    /// <summary><c>storm kill NAME -w 1</c>; waits until its workers are gone.</summary>
    public async Task KillTopologyAsync(string name, string id, CancellationToken ct)
    {
        Run(TimeSpan.FromMinutes(2), Path.Combine(RunDirectory, $"kill-{name}.out"), "kill", name, "-w", "1");
        await WaitAsync(() => Task.FromResult(Workers(id).Count == 0), TimeSpan.FromSeconds(90), $"the workers of {name} to exit", ct).ConfigureAwait(false);
    }

    /// <summary>The worker processes of <paramref name="topologyId"/> (all of them, stale copies included): pid, supervisor id, port, host.</summary>
    public IReadOnlyList<(int Pid, string SupervisorId, int Port, string Host)> Workers(string topologyId)
    {
        var found = new List<(int, string, int, string)>();
        foreach (var proc in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var args = File.ReadAllText(Path.Combine(proc, "cmdline")).Split('\0');
                var at = Array.FindIndex(args, a => a.EndsWith(Marker[0], StringComparison.Ordinal));
                var conf = Array.IndexOf(args, "--config");
                if (at < 0 || args.Length < at + 4 || args[at + 1] != topologyId || conf < 0 || !args[conf + 1].StartsWith(RunDirectory, StringComparison.Ordinal)
                    || Signals.IsAlive(pid, Marker[0]) is false)
                {
                    continue;
                }

                var host = args[conf + 1][(RunDirectory.Length + 1)..].Split('/')[0];
                found.Add((pid, args[at + 2], int.Parse(args[at + 3], CultureInfo.InvariantCulture), host));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }

        return found;
    }

    /// <summary>Every worker process under this run folder, of any topology.</summary>
    private IEnumerable<int> AllWorkerPids()
    {
        foreach (var proc in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            string cmdline;
            try
            {
                cmdline = File.ReadAllText(Path.Combine(proc, "cmdline"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            if (cmdline.Contains(Marker[0], StringComparison.Ordinal) && cmdline.Contains(RunDirectory, StringComparison.Ordinal))
            {
                yield return pid;
            }
        }
    }

    /// <summary>The topology's assignment in ZooKeeper: executors by component, each with its supervisor and port.</summary>
    public async Task<Assignment?> AssignmentAsync(string topologyId, CancellationToken ct)
    {
        await using var state = await ZooKeeperClusterState.ConnectAsync(
            new ZooKeeperClientOptions { ConnectionString = _zooKeeper!.ConnectionString, SessionTimeout = TimeSpan.FromSeconds(10), ConnectTimeout = TimeSpan.FromSeconds(10) },
            cancellationToken: ct).ConfigureAwait(false);
        return (await state.GetAssignmentAsync(topologyId, ct).ConfigureAwait(false))?.Value;
    }

    /// <summary>The host a supervisor id runs on, from its registration.</summary>
    public async Task<Host?> HostOfSupervisorAsync(string supervisorId, CancellationToken ct)
    {
        var info = await ClusterInfoAsync(ct).ConfigureAwait(false);
        var address = info?.Supervisors.FirstOrDefault(s => s.Id == supervisorId)?.Host;
        return _hosts.All.FirstOrDefault(h => h.Address == address);
    }

    public async Task<ClusterSummary?> ClusterInfoAsync(CancellationToken ct) =>
        await AnyNimbusAsync((c, d) => c.GetClusterInfoAsync(new Empty(), deadline: d, cancellationToken: ct).ResponseAsync).ConfigureAwait(false);

    /// <summary>The topology's info from the leader, which alone has the workers' heartbeats.</summary>
    public async Task<TopologyInfo?> TopologyInfoAsync(string name, CancellationToken ct)
    {
        var leader = await LeaderAsync(ct).ConfigureAwait(false);
        return leader is null
            ? null
            : await CallAsync(leader.Host, (c, d) => c.GetTopologyInfoAsync(new TopologyRequest { Name = name }, deadline: d, cancellationToken: ct).ResponseAsync).ConfigureAwait(false);
    }

    /// <summary>The Nimbus daemon that leads now, if any.</summary>
    public async Task<Daemon?> LeaderAsync(CancellationToken ct)
    {
        var info = await ClusterInfoAsync(ct).ConfigureAwait(false);
        var leader = info?.Nimbuses.FirstOrDefault(n => n.IsLeader);
        return leader is null ? null : _daemons.Values.FirstOrDefault(d => d.Host.Address == leader.Host && d.Name.StartsWith('n'));
    }

    private async Task<T?> AnyNimbusAsync<T>(Func<StormSharp.Cluster.Rpc.Nimbus.NimbusClient, DateTime, Task<T>> call)
        where T : class
    {
        foreach (var host in new[] { _hosts["n1"], _hosts["n2"] })
        {
            if (await CallAsync(host, call).ConfigureAwait(false) is { } reply)
            {
                return reply;
            }
        }

        return null;
    }

    private static async Task<T?> CallAsync<T>(Host host, Func<StormSharp.Cluster.Rpc.Nimbus.NimbusClient, DateTime, Task<T>> call)
        where T : class
    {
        try
        {
            using var channel = Grpc.Net.Client.GrpcChannel.ForAddress($"http://{host.Address}:{NimbusPort}");
            return await call(new StormSharp.Cluster.Rpc.Nimbus.NimbusClient(channel), DateTime.UtcNow.AddSeconds(3)).ConfigureAwait(false);
        }
        catch (Grpc.Core.RpcException)
        {
            return null;
        }
    }

    /// <summary>A <c>storm</c> verb run from this process's side of the bridge, to its end; throws with its output when it fails.</summary>
    public void Run(TimeSpan timeout, string log, params string[] args)
    {
        var psi = new ProcessStartInfo(Storm) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["STORM_CONF_DIR"] = Path.Combine(RunDirectory, "client", "conf");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"storm {string.Join(' ', args)} did not finish in {timeout.TotalSeconds:0} s");
        }

        p.WaitForExit();
        File.WriteAllText(log, stdout.Result + stderr.Result);
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"storm {string.Join(' ', args)} exited with {p.ExitCode}:\n{stdout.Result}{stderr.Result}");
        }
    }

    /// <summary>Polls <paramref name="condition"/> every 200 ms until it holds; a <see cref="TimeoutException"/> names <paramref name="what"/>.</summary>
    public static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        while (!await condition().ConfigureAwait(false))
        {
            if (sw.Elapsed > timeout)
            {
                throw new TimeoutException($"waited {timeout.TotalSeconds:0} s for {what}");
            }

            await Task.Delay(200, ct).ConfigureAwait(false);
        }
    }

    /// <summary>A ZooKeeper four-letter command's reply, or null when the server does not answer.</summary>
    public static string? FourLetter(string address, string word)
    {
        try
        {
            using var client = new System.Net.Sockets.TcpClient();
            if (!client.ConnectAsync(address, ZooKeeperQuorum.ClientPort).Wait(1000))
            {
                return null;
            }

            using var s = client.GetStream();
            s.ReadTimeout = 2000;
            s.Write(System.Text.Encoding.ASCII.GetBytes(word));
            using var reader = new StreamReader(s);
            return reader.ReadToEnd();
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or AggregateException or InvalidOperationException)
        {
            return null;
        }
    }

    private string ConfDirectory(Host? host) => Path.Combine(RunDirectory, host?.Name ?? "client", "conf");

    /// <summary>storm.yaml for a daemon on <paramref name="host"/>, or for the CLI on this side of the bridge (null).</summary>
    private void WriteConf(Host? host)
    {
        var dir = Path.Combine(RunDirectory, host?.Name ?? "client");
        var conf = new Dictionary<string, object?>
        {
            ["storm.zookeeper.servers"] = _zooKeeper!.Addresses,
            ["storm.zookeeper.port"] = ZooKeeperQuorum.ClientPort,
            ["storm.zookeeper.session.timeout"] = SessionTimeoutMs,
            ["storm.zookeeper.connection.timeout"] = SessionTimeoutMs,
            ["storm.local.dir"] = Path.Combine(dir, "local"),
            ["storm.log.dir"] = Path.Combine(dir, "logs"),
            ["storm.local.hostname"] = host?.Address ?? _hosts.BridgeAddress,
            ["nimbus.seeds"] = new[] { _hosts["n1"].Address, _hosts["n2"].Address },
            ["nimbus.thrift.port"] = NimbusPort,
            ["nimbus.task.timeout.secs"] = 8,
            ["nimbus.supervisor.timeout.secs"] = 8,
            ["nimbus.monitor.freq.secs"] = 2,
            ["nimbus.task.launch.secs"] = 90,
            ["nimbus.code.sync.freq.secs"] = 1,
            ["supervisor.slots.ports"] = new[] { 6700, 6701 },
            ["supervisor.worker.timeout.secs"] = 8,
            ["supervisor.monitor.frequency.secs"] = 1,
            ["supervisor.worker.shutdown.sleep.secs"] = 1,
            ["worker.heartbeat.frequency.secs"] = 1,
            ["topology.min.replication.count"] = 2,
            ["topology.max.replication.wait.time.sec"] = 30,
        };
        Directory.CreateDirectory(Path.Combine(dir, "conf"));

        // JSON is YAML: one "key: value" line per entry.
        File.WriteAllLines(Path.Combine(dir, "conf", "storm.yaml"), conf.Select(kv => $"{kv.Key}: {JsonSerializer.Serialize(kv.Value)}"));
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Supervisors first (they stop their workers), then whatever worker is left, Nimbus and ZooKeeper.
        foreach (var d in _daemons.Values.Where(d => d.Name.StartsWith('s')))
        {
            d.Stop(TimeSpan.FromSeconds(10));
        }

        foreach (var pid in AllWorkerPids().ToList())
        {
            Signals.Send(pid, Signals.SigCont);
            Signals.Send(pid, Signals.SigKill);
        }

        foreach (var d in _daemons.Values)
        {
            d.Dispose();
        }

        _zooKeeper?.Dispose();
        _hosts.Dispose();
        if (KeepRunDirectory)
        {
            _log($"kept the run folder {RunDirectory}");
            return;
        }

        try
        {
            Directory.Delete(RunDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A process that died a moment ago may still hold a file; the temp folder is the system's to clean.
        }
    }
}
