using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using StormSharp.Cluster;
using StormSharp.Cluster.Rpc;
using StormSharp.Cluster.Security;
using StormSharp.Runtime.Configuration;
using StormSharp.Runtime.Execution;
using StormSharp.Runtime.Loading;
using StormSharp.Runtime.Serialization;
using StormSharp.Topology;
using StormSharp.Worker.Transport;
using StormSharp.ZooKeeper;

namespace StormSharp.Worker.Hosting;

/// <summary>
/// One worker process: runs the executors its slot is assigned, from the package its supervisor unpacked, until
/// SIGTERM, the topology's end, or an assignment that changes its own executors (its supervisor relaunches it then).
/// </summary>
/// <remarks>
/// <para>Start-up: config as the supervisor wrote it (<c>--config</c>), a ZooKeeper session, the topology's
/// <see cref="StormBase"/> and <see cref="Assignment"/>, the package and document from <c>stormdist/&lt;topology-id&gt;/</c>
/// loaded into a <see cref="TopologyLoadContext"/>, then the gRPC transfer endpoint on the slot port and the executors.</para>
/// <para>While running: the status is read every second (ACTIVE turns spouts on, anything else off); an assignment
/// change that moves only other workers swaps the routes. Every <c>worker.heartbeat.frequency.secs</c> it writes its
/// heartbeat file for the supervisor and sends its stats to the leading Nimbus; Nimbus being away is logged at most
/// once a minute and is never fatal. It writes nothing to ZooKeeper but components' errors.</para>
/// <para>A component that cannot go on (its Prepare or Open threw, or an Execute with <c>topology.worker.die.on.error</c>)
/// stops the worker as Storm's dies: its executors are stopped, its errors written, and it exits 20, so that its
/// supervisor starts it again.</para>
/// <para>Exit codes: 0 after a stop for any of the reasons above; 1 when it could not start; 20 when a component
/// stopped it.</para>
/// </remarks>
internal sealed class WorkerProcess
{
    private static readonly TimeSpan StatusPollInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan NimbusLogInterval = TimeSpan.FromMinutes(1);

    private readonly WorkerArguments _args;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _assignmentChanged = new(0, 1);
    private readonly CancellationTokenSource _died = new();
    private ErrorForwarder? _errors;

    /// <summary>The exit code of a worker a component stopped.</summary>
    internal const int DiedExitCode = 20;

    public WorkerProcess(WorkerArguments args, ILoggerFactory loggers)
    {
        _args = args;
        _loggers = loggers;
        _logger = loggers.CreateLogger("StormSharp.Worker");
    }

    /// <summary>Parses the command line, runs the worker until it is told to stop, and returns the exit code.</summary>
    public static async Task<int> MainAsync(string[] args)
    {
        using var loggers = Runtime.StormLogging.CreateConsoleFactory();
        var logger = loggers.CreateLogger("StormSharp.Worker");
        WorkerArguments parsed;
        try
        {
            parsed = WorkerArguments.Parse(args);
        }
        catch (Exception e) when (e is FormatException or IOException or ConfigurationException)
        {
            logger.LogError("Worker: {Problem}", e.Message);
            return 1;
        }

        using var stop = new CancellationTokenSource();
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        return await new WorkerProcess(parsed, loggers).RunAsync(stop.Token).ConfigureAwait(false);
    }

    public async Task<int> RunAsync(CancellationToken stop)
    {
        var a = _args;
        ClusterOptions options;
        try
        {
            options = ClusterOptions.From(a.Conf, Environment.CurrentDirectory);
        }
        catch (ConfigurationException e)
        {
            _logger.LogError("Worker {Topology}:{Port}: bad configuration: {Problem}", a.TopologyId, a.Port, e.Message);
            return 1;
        }

        var workerDir = WorkerLayout.WorkerDirectory(options.Supervisor.LocalDir, a.WorkerId);
        Directory.CreateDirectory(workerDir);
        _logger.LogInformation("Worker {WorkerId} of {Topology} on port {Port} (supervisor {Supervisor}, pid {Pid}) starting", a.WorkerId, a.TopologyId, a.Port, a.SupervisorId, Environment.ProcessId);

        IClusterState state;
        try
        {
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
            connectTimeout.CancelAfter(options.ZooKeeper.ConnectionTimeout);
            state = await ZooKeeperClusterState.ConnectAsync(
                new ZooKeeperClientOptions
                {
                    ConnectionString = options.ZooKeeper.ConnectionString,
                    SessionTimeout = options.ZooKeeper.SessionTimeout,
                    ConnectTimeout = options.ZooKeeper.ConnectionTimeout,
                    LoggerFactory = _loggers,
                },
                new ClusterStateOptions { Root = options.ZooKeeper.Root, DigestAuth = options.ZooKeeper.DigestAuth },
                connectTimeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ClusterStateUnavailableException or OperationCanceledException)
        {
            _logger.LogError("Worker {Topology}:{Port}: no ZooKeeper session with {ZooKeeper}: {Problem}", a.TopologyId, a.Port, options.ZooKeeper.ConnectionString, e.Message);
            return 1;
        }

        await using (state.ConfigureAwait(false))
        {
            using var nimbus = new NimbusLeaderClient(
                NimbusLeaderClient.Addresses(options.Nimbus.Seeds, options.Nimbus.ApiPort), TimeSpan.FromSeconds(5), ClusterCredentials.ForWorker(options.Security));
            Started? started;
            try
            {
                started = await StartAsync(state, options, stop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
            {
                _logger.LogError(e, "Worker {Topology}:{Port} could not start: {Problem}", a.TopologyId, a.Port, e.Message);
                return 1;
            }

            if (started is null)
            {
                return 0;
            }

            using (started.Context.EnterContextualReflection())
            using (var running = CancellationTokenSource.CreateLinkedTokenSource(stop, _died.Token))
            {
                await RunUntilStoppedAsync(state, nimbus, options, workerDir, started, running.Token).ConfigureAwait(false);
            }

            var stuck = await started.Runtime.StopAsync(StopTimeout).ConfigureAwait(false);
            if (stuck.Count > 0)
            {
                _logger.LogWarning("Worker {Topology}:{Port}: {Components} did not stop within {Timeout}", a.TopologyId, a.Port, string.Join(", ", stuck), StopTimeout);
            }

            await started.Transport.DisposeAsync().ConfigureAwait(false);
            if (started.Runtime.Services.Death is { } death)
            {
                // The error is what the operator will look for: let its write to the cluster state finish first.
                await (_errors?.FlushAsync(StopTimeout) ?? Task.CompletedTask).ConfigureAwait(false);
                _logger.LogError("Worker {WorkerId} of {Topology} on port {Port} died: {Death}", a.WorkerId, a.TopologyId, a.Port, death);
                return DiedExitCode;
            }

            _logger.LogInformation("Worker {WorkerId} of {Topology} on port {Port} stopped", a.WorkerId, a.TopologyId, a.Port);
            return 0;
        }
    }

    private async Task<Started?> StartAsync(IClusterState state, ClusterOptions options, CancellationToken stop)
    {
        var a = _args;
        var stormBase = (await state.GetStormBaseAsync(a.TopologyId, stop).ConfigureAwait(false))?.Value;
        var assignment = (await state.GetAssignmentAsync(a.TopologyId, stop).ConfigureAwait(false))?.Value;
        if (stormBase is null || assignment is null || SlotExecutors.Fingerprint(assignment, a.SupervisorId, a.Port).Length == 0)
        {
            _logger.LogWarning("Worker {Topology}:{Port}: the topology is gone or no longer assigned to this slot; nothing to run", a.TopologyId, a.Port);
            return null;
        }

        var dist = WorkerLayout.TopologyDirectory(options.Supervisor.LocalDir, a.TopologyId);
        var info = DistInfo.TryRead(dist) ?? throw new InvalidDataException($"no complete package in {dist}");
        var (topology, conf) = TopologyDocument.Read(File.ReadAllBytes(Path.Combine(dist, WorkerLayout.DocumentFileName)));
        conf[Config.TopologyName] = stormBase.Name;

        // Paths on this host are the supervisor's to give, as Storm merges its cluster config under the topology's:
        // what the topology keeps on local disk (the file state provider's checkpoints) goes under the supervisor's
        // storm.local.dir, where the worker that replaces this one finds it, not under the submitter's setting.
        conf[ClusterKeys.LocalDir] = options.Supervisor.LocalDir;
        TopologyLoadContext.LoadMain(Path.Combine(dist, info.EntryAssembly), out var context);
        var definition = new TopologyDefinition(a.TopologyId, stormBase.Name, topology, conf, context.ResolveType, rebuildComponents: true, executorCounts: stormBase.ComponentExecutors);

        if (!assignment.NodeHosts.TryGetValue(a.SupervisorId, out var host) || host.Length == 0)
        {
            throw new InvalidDataException($"the assignment gives no host for this worker's supervisor '{a.SupervisorId}'");
        }

        var endpoint = new WorkerEndpoint(host, a.Port);
        var services = new TopologyServices(definition, _loggers.CreateLogger("StormSharp.Topology." + stormBase.Name), active: stormBase.Status == TopologyStatus.Active);
        var perInterval = ConfigValues.RequirePositive(conf, Config.TopologyMaxErrorReportPerInterval, 10);
        _errors = new ErrorForwarder(state, a.TopologyId, host, a.Port, perInterval, _logger);
        services.ErrorReported = _errors.Report;

        // Called on the dying executor's thread: cancel without running the waiters there.
        services.Died = death => _ = _died.CancelAsync();
        var transport = new GrpcWorkerTransport(
            a.TopologyId, endpoint, IPAddress.TryParse(host, out var ip) ? ip : IPAddress.Any, _loggers, security: TransferSecurity.From(options.Security));
        WorkerRuntime runtime;
        try
        {
            runtime = new WorkerRuntime(definition, SlotExecutors.ToTopologyAssignment(assignment), endpoint, services, transport);
            transport.Register(runtime);
            await transport.StartAsync(stop).ConfigureAwait(false);
        }
        catch
        {
            await transport.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        using (context.EnterContextualReflection())
        {
            runtime.Start();
        }

        _logger.LogInformation(
            "Worker {Topology}:{Port} running {Executors} executors ({Status}); transfer port {Transfer}",
            a.TopologyId,
            a.Port,
            runtime.Executors.Count,
            stormBase.Status,
            (transport.Security.Token is null ? "open" : "takes this topology's workers only") + (transport.Security.ServerCertificate is null ? ", plain HTTP/2" : ", TLS"));
        return new Started(runtime, transport, context, SlotExecutors.Fingerprint(assignment, a.SupervisorId, a.Port));
    }

    private async Task RunUntilStoppedAsync(IClusterState state, NimbusLeaderClient nimbus, ClusterOptions options, string workerDir, Started started, CancellationToken stop)
    {
        var a = _args;
        var runtime = started.Runtime;
        IAsyncDisposable watch;
        try
        {
            watch = await state.WatchAssignmentsAsync(
                change =>
                {
                    if (change.Added.Contains(a.TopologyId) || change.Changed.Contains(a.TopologyId) || change.Removed.Contains(a.TopologyId))
                    {
                        SignalAssignmentChanged();
                    }
                },
                stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped, or an executor died, while the watch was being set up (a bolt that throws in Prepare does so
            // within milliseconds of the start). Return like any other stop, so that the caller flushes the error
            // before the ZooKeeper session closes; letting this escape closed the session under the error's write.
            return;
        }

        await using var watching = watch.ConfigureAwait(false);

        // The assignment may have changed between the read at start and the watch.
        SignalAssignmentChanged();
        var heartbeatEvery = options.Worker.HeartbeatFrequency;
        var nextHeartbeat = Stopwatch.GetTimestamp();
        var nextStatus = Stopwatch.GetTimestamp();
        var lastNimbusLog = long.MinValue;
        Task? sending = null;
        while (!stop.IsCancellationRequested)
        {
            var now = Stopwatch.GetTimestamp();
            if (now >= nextHeartbeat)
            {
                nextHeartbeat = now + (long)(heartbeatEvery.TotalSeconds * Stopwatch.Frequency);
                new HeartbeatFile(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Environment.ProcessId, a.TopologyId, a.Port, a.WorkerId).Write(workerDir);

                // One heartbeat to Nimbus at a time: a slow Nimbus skips beats rather than piling them up.
                if (sending is null || sending.IsCompleted)
                {
                    var beat = HeartbeatReport.Of(runtime, a.SupervisorId);
                    sending = SendHeartbeatAsync(nimbus, beat, () =>
                    {
                        var t = Stopwatch.GetTimestamp();
                        if (t - lastNimbusLog < NimbusLogInterval.TotalSeconds * Stopwatch.Frequency)
                        {
                            return false;
                        }

                        lastNimbusLog = t;
                        return true;
                    }, stop);
                }
            }

            try
            {
                if (now >= nextStatus)
                {
                    nextStatus = now + (long)(StatusPollInterval.TotalSeconds * Stopwatch.Frequency);
                    var stormBase = await state.GetStormBaseAsync(a.TopologyId, stop).ConfigureAwait(false);
                    if (stormBase is null)
                    {
                        _logger.LogInformation("Worker {Topology}:{Port}: the topology is gone; stopping", a.TopologyId, a.Port);
                        return;
                    }

                    var active = stormBase.Value.Status == TopologyStatus.Active;
                    if (active != runtime.Services.Active)
                    {
                        _logger.LogInformation("Worker {Topology}:{Port}: topology is {Status}; spouts {OnOff}", a.TopologyId, a.Port, stormBase.Value.Status, active ? "on" : "off");
                        runtime.Services.SetActive(active);
                    }
                }

                if (_assignmentChanged.Wait(0) && !await TakeAssignmentAsync(state, started, stop).ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (ClusterStateUnavailableException e)
            {
                // The topology keeps running while ZooKeeper is away; only changes wait for it.
                _logger.LogWarning("Worker {Topology}:{Port}: cluster state unavailable: {Problem}", a.TopologyId, a.Port, e.Message);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }

            var wait = Math.Min(nextHeartbeat, nextStatus) - Stopwatch.GetTimestamp();
            try
            {
                if (await _assignmentChanged.WaitAsync(TimeSpan.FromSeconds(Math.Max(0.01, (double)wait / Stopwatch.Frequency)), stop).ConfigureAwait(false))
                {
                    // Taken to wake up; put back for the check at the top of the loop.
                    SignalAssignmentChanged();
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Applies a new assignment; false when this worker must stop (its slot or its own executors changed).</summary>
    private async Task<bool> TakeAssignmentAsync(IClusterState state, Started started, CancellationToken stop)
    {
        var a = _args;
        var assignment = (await state.GetAssignmentAsync(a.TopologyId, stop).ConfigureAwait(false))?.Value;
        var mine = assignment is null ? string.Empty : SlotExecutors.Fingerprint(assignment, a.SupervisorId, a.Port);
        if (mine != started.Fingerprint)
        {
            _logger.LogInformation(
                "Worker {Topology}:{Port}: {What}; stopping", a.TopologyId, a.Port, mine.Length == 0 ? "this slot is no longer assigned" : "this slot's executors changed");
            return false;
        }

        try
        {
            await started.Runtime.UpdateAssignmentAsync(SlotExecutors.ToTopologyAssignment(assignment!)).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            _logger.LogWarning("Worker {Topology}:{Port}: ignoring a malformed assignment: {Problem}", a.TopologyId, a.Port, e.Message);
        }

        return true;
    }

    private async Task SendHeartbeatAsync(NimbusLeaderClient nimbus, Cluster.Rpc.WorkerHeartbeat beat, Func<bool> mayLog, CancellationToken stop)
    {
        try
        {
            await nimbus.CallAsync(async (client, deadline, ct) => await client.SendWorkerHeartbeatAsync(beat, deadline: deadline, cancellationToken: ct), stop).ConfigureAwait(false);
        }
        catch (RpcException e) when (!stop.IsCancellationRequested)
        {
            if (mayLog())
            {
                _logger.LogWarning("Worker {Topology}:{Port}: heartbeat not delivered to Nimbus ({Status}: {Detail}); this is logged once a minute", _args.TopologyId, _args.Port, e.StatusCode, e.Status.Detail);
            }
        }
        catch (RpcException)
        {
            // Stopping.
        }
    }

    private void SignalAssignmentChanged()
    {
        if (_assignmentChanged.CurrentCount == 0)
        {
            try
            {
                _assignmentChanged.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled.
            }
        }
    }

    private sealed record Started(WorkerRuntime Runtime, GrpcWorkerTransport Transport, TopologyLoadContext Context, string Fingerprint);
}
