using System.Net;
using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using StormSharp.Cluster;
using StormSharp.Cluster.Rpc;
using StormSharp.Cluster.Security;
using StormSharp.Packaging;
using StormSharp.Runtime.Configuration;
using StormSharp.Supervisor.Internal;
using StormSharp.Worker;
using StormSharp.Worker.Hosting;
using StormSharp.ZooKeeper;

namespace StormSharp.Supervisor;

/// <summary>
/// Storm's supervisor: registers this host's worker slots, watches the assignments, fetches the packages of the
/// topologies assigned here and runs one worker process per assigned slot, restarting those that die or stop
/// heartbeating and stopping those no longer assigned.
/// </summary>
/// <remarks>
/// <para>Its id is kept in <c>storm.local.dir/supervisor/id</c>, so a restart registers the same
/// <c>/supervisors/&lt;id&gt;</c> and finds the workers it left (pid and launch record in each worker folder, checked against
/// the process's command line): those still assigned are adopted, the rest stopped. No worker is left unaccounted for.</para>
/// <para>A pass runs on every assignment change and every <c>supervisor.monitor.frequency.secs</c>. A worker whose
/// process is gone is relaunched; one whose heartbeat file is older than <c>supervisor.worker.timeout.secs</c> (before
/// its first: <c>supervisor.worker.start.timeout.secs</c> after launch) is killed and relaunched; one whose slot is
/// no longer assigned, or assigned other executors, gets SIGTERM and, after
/// <c>supervisor.worker.shutdown.sleep.secs</c>, SIGKILL. Bad assignments and failed downloads are logged and retried;
/// nothing that comes from the cluster stops the supervisor.</para>
/// <para><see cref="StopAsync"/> stops every worker first: stopping the supervisor stops its host's share of the
/// cluster (a crash, in contrast, leaves the workers running for the next supervisor to adopt).</para>
/// </remarks>
public sealed class SupervisorDaemon : IAsyncDisposable
{
    private readonly SupervisorSettings _settings;
    private readonly IClusterState _state;
    private readonly bool _ownsState;
    private readonly NimbusLeaderClient _nimbus;
    private readonly TopologyFetcher _fetcher;
    private readonly WorkerLauncher _launcher;
    private readonly ILogger _logger;
    private readonly Dictionary<int, LocalWorker> _workers = [];
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly CancellationTokenSource _stop = new();
    private IAsyncDisposable? _watch;
    private Task _loop = Task.CompletedTask;
    private int _stopped;

    private SupervisorDaemon(SupervisorSettings settings, IClusterState state, bool ownsState, NimbusLeaderClient nimbus, ILogger logger)
    {
        _settings = settings;
        _state = state;
        _ownsState = ownsState;
        _nimbus = nimbus;
        _logger = logger;
        _fetcher = new TopologyFetcher(settings.Options.LocalDir, nimbus, logger);
        _launcher = new WorkerLauncher(settings);
    }

    /// <summary>This supervisor's id, stable across restarts.</summary>
    public string Id => _settings.SupervisorId;

    /// <summary>The workers running now by slot port (worker id, topology id, pid), for tests.</summary>
    internal IReadOnlyDictionary<int, (string WorkerId, string TopologyId, int Pid)> Workers
    {
        get
        {
            lock (_workers)
            {
                return _workers.ToDictionary(w => w.Key, w => (w.Value.WorkerId, w.Value.TopologyId, w.Value.Pid));
            }
        }
    }

    /// <summary>Completes once per finished pass; for tests that wait for the supervisor to have looked.</summary>
    internal event Action? PassCompleted;

    /// <summary>Starts a supervisor with the given config (defaults, storm.yaml and overrides, as <c>storm supervisor</c> loads them).</summary>
    /// <exception cref="ConfigurationException">The config is invalid; the message lists every problem.</exception>
    /// <exception cref="ClusterStateUnavailableException">ZooKeeper cannot be reached.</exception>
    public static Task<SupervisorDaemon> StartAsync(IReadOnlyDictionary<string, object?> conf, ILoggerFactory loggers, CancellationToken ct) =>
        StartAsync(conf, loggers, new SupervisorHostOptions(), ct);

    /// <summary>Starts a supervisor hosted as <paramref name="host"/> says.</summary>
    public static async Task<SupervisorDaemon> StartAsync(IReadOnlyDictionary<string, object?> conf, ILoggerFactory loggers, SupervisorHostOptions host, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(conf);
        ArgumentNullException.ThrowIfNull(loggers);
        ArgumentNullException.ThrowIfNull(host);
        var merged = new Dictionary<string, object?>(ConfigLoader.Defaults, StringComparer.Ordinal);
        foreach (var kv in conf)
        {
            merged[kv.Key] = kv.Value;
        }

        var cluster = ClusterOptions.From(merged, Path.GetFullPath(host.BaseDirectory ?? Environment.CurrentDirectory));
        var options = cluster.Supervisor;
        var logger = loggers.CreateLogger<SupervisorDaemon>();
        cluster.Security.RequireSecret();
        if (!cluster.Security.Enabled)
        {
            logger.LogWarning("Security is off (storm.auth.scheme: none): this supervisor's workers take tuples from any process that connects to their slot ports. See the README's Security section.");
        }
        merged[ClusterKeys.LocalDir] = options.LocalDir;
        merged[ClusterKeys.LogDir] = options.LogDir;

        // Workers run in folders of their own: the files they read must be named absolutely.
        foreach (var (key, path) in new[]
        {
            (ClusterKeys.TlsCertificatePath, cluster.Security.TlsCertificatePath),
            (ClusterKeys.TlsKeyPath, cluster.Security.TlsKeyPath),
            (ClusterKeys.TlsCaPath, cluster.Security.TlsCaPath),
        })
        {
            if (path is not null)
            {
                merged[key] = path;
            }
        }

        var supervisorDir = Path.Combine(options.LocalDir, "supervisor");
        Directory.CreateDirectory(supervisorDir);
        var id = LoadOrCreateId(supervisorDir);
        var workerDll = host.WorkerAssemblyPath ?? Path.Combine(Path.GetDirectoryName(typeof(WorkerProcess).Assembly.Location)!, WorkerLayout.WorkerAssemblyFileName);
        if (!File.Exists(workerDll))
        {
            throw new FileNotFoundException($"the worker assembly {workerDll} is missing; supervisors launch workers from it", workerDll);
        }

        var settings = new SupervisorSettings(
            id,
            options.Hostname ?? Dns.GetHostName(),
            options,
            merged,
            host.DotnetPath ?? DefaultDotnet(),
            workerDll,
            Environment.GetEnvironmentVariable("STORM_CONF_DIR"),
            cluster.Security);

        IClusterState state;
        var owns = host.ClusterState is null;
        if (host.ClusterState is { } given)
        {
            state = given;
        }
        else
        {
            state = await ZooKeeperClusterState.ConnectAsync(
                new ZooKeeperClientOptions
                {
                    ConnectionString = cluster.ZooKeeper.ConnectionString,
                    SessionTimeout = cluster.ZooKeeper.SessionTimeout,
                    ConnectTimeout = cluster.ZooKeeper.ConnectionTimeout,
                    LoggerFactory = loggers,
                },
                new ClusterStateOptions { Root = cluster.ZooKeeper.Root, DigestAuth = cluster.ZooKeeper.DigestAuth },
                ct).ConfigureAwait(false);
        }

        var nimbus = new NimbusLeaderClient(
            NimbusLeaderClient.Addresses(cluster.Nimbus.Seeds, cluster.Nimbus.ApiPort), TimeSpan.FromSeconds(30), ClusterCredentials.ForDaemon(cluster.Security, "supervisor"));
        var daemon = new SupervisorDaemon(settings, state, owns, nimbus, logger);
        try
        {
            await daemon.StartCoreAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            await daemon.AbandonAsync().ConfigureAwait(false);
            throw;
        }

        return daemon;
    }

    /// <summary>Stops every worker (SIGTERM, then SIGKILL after the grace period), leaves the cluster and closes its session.</summary>
    public async Task StopAsync(CancellationToken ct)
    {
        if (!await StopLoopAsync().ConfigureAwait(false))
        {
            return;
        }

        List<LocalWorker> all;
        lock (_workers)
        {
            all = [.. _workers.Values];
            _workers.Clear();
        }

        await Task.WhenAll(all.Select(w => StopWorkerAsync(w, "the supervisor is stopping", ct))).ConfigureAwait(false);
        try
        {
            await _state.RemoveSupervisorAsync(Id, ct).ConfigureAwait(false);
        }
        catch (ClusterStateUnavailableException e)
        {
            _logger.LogWarning("Supervisor {Id}: could not deregister: {Problem}", Id, e.Message);
        }

        await CloseAsync().ConfigureAwait(false);
        _logger.LogInformation("Supervisor {Id} stopped", Id);
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    /// <summary>Stops as a crash would: the workers keep running, the registration goes with the session.</summary>
    internal async Task AbandonAsync()
    {
        if (await StopLoopAsync().ConfigureAwait(false))
        {
            lock (_workers)
            {
                foreach (var w in _workers.Values)
                {
                    w.Child?.Dispose();
                }

                _workers.Clear();
            }

            await CloseAsync().ConfigureAwait(false);
        }
    }

    private static string LoadOrCreateId(string supervisorDir)
    {
        var path = Path.Combine(supervisorDir, "id");
        if (File.Exists(path))
        {
            var existing = File.ReadAllText(path).Trim();
            if (existing.Length > 0)
            {
                return existing;
            }
        }

        var id = Guid.NewGuid().ToString();
        WorkerLayout.WriteAtomically(path, System.Text.Encoding.UTF8.GetBytes(id));
        return id;
    }

    private static string DefaultDotnet()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath)
        {
            return hostPath;
        }

        var self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }

    private async Task StartCoreAsync(CancellationToken ct)
    {
        var o = _settings.Options;
        TopologyPackage.RemoveUnpackLeftovers(_fetcher.StormDist);
        if (Directory.Exists(_fetcher.StormDist))
        {
            foreach (var leftover in Directory.EnumerateFiles(_fetcher.StormDist, ".download-*"))
            {
                File.Delete(leftover);
            }
        }

        AdoptLeftWorkers();
        await _state.RegisterSupervisorAsync(
            Id,
            new SupervisorInfo
            {
                Host = _settings.Host,
                SlotPorts = { o.SlotPorts },
                StartTimeMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                Version = typeof(SupervisorDaemon).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0",
            },
            ct).ConfigureAwait(false);
        _watch = await _state.WatchAssignmentsAsync(_ => _wake.Release(), ct).ConfigureAwait(false);
        _logger.LogInformation("Supervisor {Id} on {Host} with slots {Slots} started", Id, _settings.Host, string.Join(",", o.SlotPorts));
        _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>Takes back the workers a previous run of this supervisor left; forgets the folders of those that are gone.</summary>
    private void AdoptLeftWorkers()
    {
        var root = WorkerLayout.WorkersDirectory(_settings.Options.LocalDir);
        if (!Directory.Exists(root))
        {
            return;
        }

        foreach (var dir in Directory.EnumerateDirectories(root))
        {
            var found = LocalWorker.TryRead(dir);
            if (found is { } f && ProcessControl.IsWorker(f.Pid, f.Record.WorkerId) && _settings.Options.SlotPorts.Contains(f.Record.Port) && !_workers.ContainsKey(f.Record.Port))
            {
                _workers[f.Record.Port] = new LocalWorker(f.Record, f.Pid, dir, child: null);
                _logger.LogInformation("Supervisor {Id}: found worker {WorkerId} of {Topology} on port {Port} (pid {Pid}) still running", Id, f.Record.WorkerId, f.Record.TopologyId, f.Record.Port, f.Pid);
                continue;
            }

            if (found is { } stray && ProcessControl.IsWorker(stray.Pid, stray.Record.WorkerId))
            {
                // A worker for a slot this supervisor no longer has (or a second one on a slot): never leave it running.
                ProcessControl.ForceKill(stray.Pid, stray.Record.WorkerId);
            }

            DeleteQuietly(dir);
        }
    }

    private async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await SyncAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (ClusterStateUnavailableException e)
            {
                // Running workers carry on; only changes wait for ZooKeeper.
                _logger.LogWarning("Supervisor {Id}: cluster state unavailable: {Problem}", Id, e.Message);
            }
            catch (Exception e)
            {
                _logger.LogError(e, "Supervisor {Id}: a pass failed; trying again at the next", Id);
            }

            PassCompleted?.Invoke();
            try
            {
                if (await _wake.WaitAsync(_settings.Options.MonitorFrequency, stop).ConfigureAwait(false))
                {
                    // Several notifications since the last pass need one pass.
                    while (_wake.Wait(0))
                    {
                    }
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task SyncAsync(CancellationToken stop)
    {
        var o = _settings.Options;
        var assignments = await _state.GetAssignmentsAsync(stop).ConfigureAwait(false);
        var desired = new Dictionary<int, (string TopologyId, string Executors)>();
        foreach (var (topologyId, versioned) in assignments.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            foreach (var port in versioned.Value.Executors.Where(e => e.NodeId == Id).Select(e => e.Port).Distinct())
            {
                if (!o.SlotPorts.Contains(port))
                {
                    _logger.LogWarning("Supervisor {Id}: topology {Topology} is assigned port {Port}, which is not one of this supervisor's slots; ignored", Id, topologyId, port);
                    continue;
                }

                if (desired.TryGetValue(port, out var taken))
                {
                    _logger.LogWarning("Supervisor {Id}: topologies {First} and {Second} are both assigned port {Port}; running {First}", Id, taken.TopologyId, topologyId, port, taken.TopologyId);
                    continue;
                }

                desired[port] = (topologyId, SlotExecutors.Fingerprint(versioned.Value, Id, port));
            }
        }

        List<LocalWorker> current;
        lock (_workers)
        {
            current = [.. _workers.Values];
        }

        var stops = new List<Task>();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var w in current)
        {
            string? reason = null;
            if (!desired.TryGetValue(w.Port, out var d) || d.TopologyId != w.TopologyId)
            {
                reason = "its slot is no longer assigned to it";
            }
            else if (d.Executors != w.Record.Executors)
            {
                reason = "its slot's executors changed";
            }
            else if (!w.IsAlive)
            {
                reason = "its process exited";
                _logger.LogWarning("Supervisor {Id}: worker {WorkerId} of {Topology} on port {Port} (pid {Pid}) exited; relaunching", Id, w.WorkerId, w.TopologyId, w.Port, w.Pid);
            }
            else
            {
                var beat = HeartbeatFile.TryRead(w.Directory);
                var age = TimeSpan.FromMilliseconds(now - (beat?.TimeMs ?? w.Record.LaunchTimeMs));
                var limit = beat is null ? o.WorkerStartTimeout : o.WorkerTimeout;
                if (age > limit)
                {
                    reason = beat is null ? $"it sent no heartbeat within {limit.TotalSeconds:0} s of its launch" : $"its last heartbeat is {age.TotalSeconds:0} s old";
                }
            }

            if (reason is not null)
            {
                lock (_workers)
                {
                    _workers.Remove(w.Port);
                }

                stops.Add(StopWorkerAsync(w, reason, stop));
            }
        }

        await Task.WhenAll(stops).ConfigureAwait(false);

        foreach (var (port, d) in desired.OrderBy(x => x.Key))
        {
            bool running;
            lock (_workers)
            {
                running = _workers.ContainsKey(port);
            }

            if (running || stop.IsCancellationRequested || !await _fetcher.EnsureAsync(d.TopologyId, stop).ConfigureAwait(false))
            {
                continue;
            }

            try
            {
                var worker = _launcher.Launch(d.TopologyId, port, d.Executors);
                lock (_workers)
                {
                    _workers[port] = worker;
                }

                _logger.LogInformation("Supervisor {Id}: launched worker {WorkerId} of {Topology} on port {Port} (pid {Pid})", Id, worker.WorkerId, d.TopologyId, port, worker.Pid);
            }
            catch (Exception e) when (e is IOException or System.ComponentModel.Win32Exception or InvalidOperationException or UnauthorizedAccessException or JsonException or NotSupportedException)
            {
                _logger.LogError("Supervisor {Id}: could not launch a worker of {Topology} on port {Port}: {Problem}", Id, d.TopologyId, port, e.Message);
            }
        }

        var keep = new HashSet<string>(desired.Values.Select(d => d.TopologyId), StringComparer.Ordinal);
        lock (_workers)
        {
            keep.UnionWith(_workers.Values.Select(w => w.TopologyId));
        }

        _fetcher.RemoveAllBut(keep);
    }

    private async Task StopWorkerAsync(LocalWorker w, string reason, CancellationToken ct)
    {
        _logger.LogInformation("Supervisor {Id}: stopping worker {WorkerId} of {Topology} on port {Port} (pid {Pid}): {Reason}", Id, w.WorkerId, w.TopologyId, w.Port, w.Pid, reason);
        try
        {
            if (!await ProcessControl.StopAsync(w.Pid, w.WorkerId, _settings.Options.WorkerShutdownGrace, ct).ConfigureAwait(false))
            {
                _logger.LogWarning("Supervisor {Id}: worker {WorkerId} did not stop within {Grace}; killed", Id, w.WorkerId, _settings.Options.WorkerShutdownGrace);
            }
        }
        catch (OperationCanceledException)
        {
            ProcessControl.ForceKill(w.Pid, w.WorkerId);
        }

        w.Child?.Dispose();
        DeleteQuietly(w.Directory);
    }

    private void DeleteQuietly(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("Supervisor {Id}: could not remove {Directory}: {Problem}", Id, dir, e.Message);
        }
    }

    /// <summary>Ends the loop and the watch; false when already stopped.</summary>
    private async Task<bool> StopLoopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return false;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        if (_watch is not null)
        {
            await _watch.DisposeAsync().ConfigureAwait(false);
        }

        return true;
    }

    private async Task CloseAsync()
    {
        _nimbus.Dispose();
        if (_ownsState)
        {
            await _state.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }
}
