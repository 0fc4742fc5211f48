using System.Diagnostics;
using System.Globalization;
using StormSharp.Benchmarks.Cluster.Rig;
using StormSharp.Benchmarks.Faults.Rig;

namespace StormSharp.Benchmarks.Faults;

/// <summary>What one fault did to one run of the fault topology.</summary>
/// <param name="Failure">Null when the cluster healed as it should; otherwise what did not happen.</param>
internal sealed record FaultResult(string Fault, long Records, long Missing, long Duplicates, double RecoverySeconds, string? Failure);

/// <summary>
/// The fault matrix: for each fault, a fresh run of the fault topology (numbered records from restartable spouts,
/// through relays, into file sinks, on three workers on three hosts) with the fault injected once a fifth of the
/// records has reached the sink, and healed; then the sink's files are checked against the numbers sent.
/// </summary>
internal static class FaultMatrix
{
    public static readonly string[] Faults = ["worker_kill", "supervisor_kill", "nimbus_kill", "nimbus_all_down", "zookeeper_one_down", "zookeeper_all_down", "partition", "worker_freeze"];

    /// <summary>Faults of the control plane only: the data plane must not slow down at all.</summary>
    private static readonly string[] ControlPlaneOnly = ["nimbus_kill", "nimbus_all_down", "zookeeper_one_down", "zookeeper_all_down"];

    /// <summary>How long a control-plane fault may dent the sink's rate (a loaded machine's noise, not a stall).</summary>
    private const double ControlPlaneDentSeconds = 5;

    private const int Workers = 3;

    /// <summary>How long the sink's rate must hold for the stream to count as recovered.</summary>
    private const double Sustained = 3;

    public static async Task<int> MainAsync(string[] args)
    {
        long records = 1_000_000;
        double rate = 20_000;
        var only = Faults;
        var write = true;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--records" when i + 1 < args.Length:
                    records = long.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--rate" when i + 1 < args.Length:
                    rate = double.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--no-results":
                    write = false;
                    break;
                case "--only" when i + 1 < args.Length:
                    only = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    break;
                default:
                    Console.Error.WriteLine($"usage: benchmarks/run faults [--records N] [--rate R] [--only {string.Join(',', Faults)}] [--no-results] (got '{args[i]}')");
                    return 2;
            }
        }

        var unknown = only.Except(Faults, StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            Console.Error.WriteLine($"benchmarks/run faults: unknown fault(s) {string.Join(", ", unknown)}; known: {string.Join(", ", Faults)}");
            return 2;
        }

        if (Hosts.Unavailable() is { } why)
        {
            Console.Error.WriteLine("benchmarks/run faults: " + why);
            return 1;
        }

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        var results = new List<FaultResult>();
        var started = DateTime.UtcNow;
        using (var cluster = await FaultCluster.StartAsync(Log, stop.Token).ConfigureAwait(false))
        {
            foreach (var fault in only)
            {
                results.Add(await RunAsync(cluster, fault, records, rate, Log, stop.Token).ConfigureAwait(false));
            }
        }

        foreach (var r in results)
        {
            Console.WriteLine($"faults.{r.Fault}.records: {r.Records}");
            Console.WriteLine($"faults.{r.Fault}.missing: {r.Missing}");
            Console.WriteLine($"faults.{r.Fault}.duplicates: {r.Duplicates}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"faults.{r.Fault}.recovery_s: {r.RecoverySeconds:0.0}"));
            if (r.Failure is not null)
            {
                Console.WriteLine($"faults.{r.Fault}.failure: {r.Failure}");
            }
        }

        Console.WriteLine($"faults.total.records: {results.Sum(r => r.Records)}");
        Console.WriteLine($"faults.total.missing: {results.Sum(r => r.Missing)}");
        if (write)
        {
            var path = Path.Combine(FaultCluster.RepositoryRoot, "benchmarks", "RESULTS.md");
            FaultReport.Write(path, results, records, rate, started, DateTime.UtcNow);
            Log($"wrote {path}");
        }
        return results.All(r => r.Missing == 0 && r.Failure is null) ? 0 : 1;
    }

    /// <summary>One run: submit, wait for a fifth of the records, inject and heal, wait for the rest, check, kill.</summary>
    public static async Task<FaultResult> RunAsync(FaultCluster cluster, string fault, long records, double rate, Action<string> log, CancellationToken ct)
    {
        var name = "faults-" + fault.Replace('_', '-');
        var data = Path.Combine(cluster.RunDirectory, "data", fault);
        log($"{fault}: {records:N0} records at {rate:N0}/s");
        var id = await cluster.SubmitAsync(name, data, records, rate, Workers, ct).ConfigureAwait(false);
        var reader = new SinkReader(data, records);
        var samples = new List<(double T, long Lines)>();
        var clock = Stopwatch.StartNew();
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var sampler = Task.Run(
            async () =>
            {
                while (!sampling.Token.IsCancellationRequested)
                {
                    lock (samples)
                    {
                        reader.Poll();
                        samples.Add((clock.Elapsed.TotalSeconds, reader.Lines));
                    }

                    try
                    {
                        await Task.Delay(250, sampling.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            },
            CancellationToken.None);

        string? failure = null;
        double recovery = double.NaN;
        var expected = TimeSpan.FromSeconds(records / rate);
        try
        {
            await FaultCluster.WaitAsync(() => Task.FromResult(Locked(samples, () => reader.Distinct) >= records / 5), expected + TimeSpan.FromSeconds(120), $"a fifth of the records to reach the sink before {fault}", ct).ConfigureAwait(false);
            var before = Locked(samples, () => RateOver(samples, clock.Elapsed.TotalSeconds - 3, clock.Elapsed.TotalSeconds));
            var at = clock.Elapsed.TotalSeconds;
            log($"{fault}: sink at {before:N0}/s; injecting");
            failure = await InjectAsync(cluster, fault, id, log, ct).ConfigureAwait(false);
            await FaultCluster.WaitAsync(() => Task.FromResult(Locked(samples, () => reader.Complete)), expected + TimeSpan.FromSeconds(240), $"every record to reach the sink after {fault}", ct).ConfigureAwait(false);
            recovery = Locked(samples, () => Recovery(samples, at, before));
            if (ControlPlaneOnly.Contains(fault) && recovery > ControlPlaneDentSeconds)
            {
                failure ??= $"the sink's rate fell below half for {recovery:0.0} s, though only the control plane failed";
            }
            failure ??= await StaleCopiesAsync(cluster, id, ct).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            failure ??= e.Message;
        }
        finally
        {
            await sampling.CancelAsync().ConfigureAwait(false);
            await sampler.ConfigureAwait(false);
        }

        reader.Poll();
        log($"{fault}: {reader.Distinct:N0} of {records:N0} distinct, {reader.Duplicates:N0} duplicates, recovery {recovery:0.0} s{(failure is null ? string.Empty : "; " + failure)}");
        try
        {
            await cluster.KillTopologyAsync(name, id, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            failure ??= "killing the topology: " + e.Message;
        }

        return new FaultResult(fault, records, reader.Missing + reader.OutOfRange, reader.Duplicates, recovery, failure);
    }

    private static async Task<string?> InjectAsync(FaultCluster cluster, string fault, string id, Action<string> log, CancellationToken ct)
    {
        var spout = await SpoutWorkerAsync(cluster, id, ct).ConfigureAwait(false);
        switch (fault)
        {
            case "worker_kill":
                log($"{fault}: SIGKILL worker {spout.Pid} ({spout.Host}:{spout.Port})");
                Signals.Send(spout.Pid, Signals.SigKill);
                return null;

            case "supervisor_kill":
                {
                    var supervisor = cluster.Daemon(spout.Host);
                    var workers = cluster.Workers(id).Where(w => w.Host == spout.Host).ToList();
                    log($"{fault}: SIGKILL supervisor {supervisor.Name} (pid {supervisor.Pid})");
                    supervisor.Kill();
                    await Task.Delay(TimeSpan.FromSeconds(3), ct).ConfigureAwait(false);
                    if (workers.Any(w => !Signals.IsAlive(w.Pid, "StormSharp.Worker.dll")))
                    {
                        return "a worker died with its supervisor";
                    }

                    // The host stays gone: its workers go too, and Nimbus must move their executors elsewhere.
                    log($"{fault}: the host is gone: SIGKILL its workers {string.Join(", ", workers.Select(w => w.Pid))}");
                    foreach (var w in workers)
                    {
                        Signals.Send(w.Pid, Signals.SigKill);
                    }

                    var supervisorId = spout.SupervisorId;
                    await FaultCluster.WaitAsync(
                        async () => (await cluster.AssignmentAsync(id, ct).ConfigureAwait(false))?.Executors.All(e => e.NodeId != supervisorId) == true,
                        TimeSpan.FromSeconds(60),
                        $"Nimbus to move the executors off {supervisor.Name}",
                        ct).ConfigureAwait(false);
                    supervisor.Start();
                    return null;
                }

            case "nimbus_kill":
                {
                    var leader = await cluster.LeaderAsync(ct).ConfigureAwait(false) ?? throw new TimeoutException("no Nimbus leads");
                    log($"{fault}: SIGKILL the leader, {leader.Name} (pid {leader.Pid})");
                    var killed = Stopwatch.StartNew();
                    leader.Kill();
                    await FaultCluster.WaitAsync(
                        async () => await cluster.LeaderAsync(ct).ConfigureAwait(false) is { } l && l != leader,
                        TimeSpan.FromMilliseconds(FaultCluster.SessionTimeoutMs) + TimeSpan.FromSeconds(20),
                        "another Nimbus to lead",
                        ct).ConfigureAwait(false);
                    log($"{fault}: a new leader after {killed.Elapsed.TotalSeconds:0.0} s");

                    // The new leader answers the verbs: list, and a submit and kill of a second topology.
                    cluster.Run(TimeSpan.FromMinutes(1), Path.Combine(cluster.RunDirectory, "list-after-nimbus-kill.out"), "list");
                    var second = await cluster.SubmitAsync("faults-after-takeover", Path.Combine(cluster.RunDirectory, "data", "after-takeover"), 1000, 500, 1, ct).ConfigureAwait(false);
                    await cluster.KillTopologyAsync("faults-after-takeover", second, ct).ConfigureAwait(false);
                    leader.Start();
                    await FaultCluster.WaitAsync(
                        async () => (await cluster.ClusterInfoAsync(ct).ConfigureAwait(false))?.Nimbuses.Count == 2,
                        TimeSpan.FromSeconds(90),
                        "the killed Nimbus to rejoin",
                        ct).ConfigureAwait(false);
                    return null;
                }

            case "nimbus_all_down":
                {
                    var nimbuses = cluster.Daemons.Where(d => d.Name.StartsWith('n')).ToList();
                    var down = TimeSpan.FromSeconds(20);
                    log($"{fault}: every Nimbus down for {down.TotalSeconds:0} s");
                    foreach (var n in nimbuses)
                    {
                        n.Kill();
                    }

                    await Task.Delay(down, ct).ConfigureAwait(false);
                    foreach (var n in nimbuses)
                    {
                        n.Start();
                    }

                    await FaultCluster.WaitAsync(
                        async () => (await cluster.ClusterInfoAsync(ct).ConfigureAwait(false)) is { } info && info.Nimbuses.Count == 2 && info.Nimbuses.Any(n => n.IsLeader),
                        TimeSpan.FromSeconds(90),
                        "both Nimbus to serve again",
                        ct).ConfigureAwait(false);
                    return null;
                }

            case "zookeeper_one_down":
                {
                    var zk = cluster.ZooKeeper;
                    var index = Enumerable.Range(0, zk.Servers.Count).FirstOrDefault(i => FaultCluster.FourLetter(zk.Addresses[i], "srvr")?.Contains("Mode: leader", StringComparison.Ordinal) == true);
                    log($"{fault}: SIGKILL ZooKeeper server {index + 1} of {zk.Servers.Count}");
                    zk.Kill(index);
                    await Task.Delay(TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
                    zk.Start(index);
                    return null;
                }

            case "zookeeper_all_down":
                {
                    var zk = cluster.ZooKeeper;
                    var down = TimeSpan.FromMilliseconds(FaultCluster.SessionTimeoutMs) + TimeSpan.FromSeconds(4);
                    var workersBefore = cluster.Workers(id).Select(w => w.Pid).Order().ToList();
                    var daemonsBefore = cluster.Daemons.Select(d => (d.Name, d.Pid)).ToList();
                    log($"{fault}: every ZooKeeper server down for {down.TotalSeconds:0} s (sessions time out)");
                    for (var i = 0; i < zk.Servers.Count; i++)
                    {
                        zk.Kill(i);
                    }

                    await Task.Delay(down, ct).ConfigureAwait(false);
                    for (var i = 0; i < zk.Servers.Count; i++)
                    {
                        zk.Start(i);
                    }

                    await FaultCluster.WaitAsync(
                        async () => (await cluster.ClusterInfoAsync(ct).ConfigureAwait(false)) is { } info && info.Supervisors.Count == 3 && info.Nimbuses.Count == 2 && info.Nimbuses.Any(n => n.IsLeader),
                        TimeSpan.FromSeconds(90),
                        "every daemon to register again after ZooKeeper returned",
                        ct).ConfigureAwait(false);

                    // The sessions expired; the data plane must not have noticed: no daemon and no worker restarted.
                    var workersAfter = cluster.Workers(id).Select(w => w.Pid).Order().ToList();
                    var restarted = daemonsBefore.Where(d => !cluster.Daemon(d.Name).Running || cluster.Daemon(d.Name).Pid != d.Pid).Select(d => d.Name).ToList();
                    return restarted.Count > 0 ? $"daemons {string.Join(", ", restarted)} restarted while ZooKeeper was down"
                        : !workersAfter.SequenceEqual(workersBefore) ? $"workers changed while ZooKeeper was down: {string.Join(",", workersBefore)} became {string.Join(",", workersAfter)}"
                        : null;
                }

            case "partition":
                {
                    var host = cluster.Hosts[spout.Host];
                    var cut = TimeSpan.FromSeconds(25);
                    log($"{fault}: cutting {host.Name} ({host.Address}) off for {cut.TotalSeconds:0} s");
                    cluster.Hosts.Cut(host);
                    try
                    {
                        await Task.Delay(cut, ct).ConfigureAwait(false);
                    }
                    finally
                    {
                        cluster.Hosts.Heal(host);
                    }

                    return null;
                }

            case "worker_freeze":
                {
                    var frozen = TimeSpan.FromSeconds(15);
                    var others = cluster.Workers(id).Where(w => w.Pid != spout.Pid).Select(w => w.Pid).ToList();
                    var rssBefore = others.Sum(ResidentMegabytes);
                    log($"{fault}: SIGSTOP worker {spout.Pid} ({spout.Host}:{spout.Port}) for {frozen.TotalSeconds:0} s");
                    Signals.Send(spout.Pid, Signals.SigStop);
                    try
                    {
                        await Task.Delay(frozen, ct).ConfigureAwait(false);
                        log($"{fault}: the other workers' resident memory went from {rssBefore:0.0} to {others.Sum(ResidentMegabytes):0.0} MB while it was frozen");
                    }
                    finally
                    {
                        Signals.Send(spout.Pid, Signals.SigCont);
                    }

                    return null;
                }

            default:
                throw new ArgumentException($"unknown fault '{fault}'", nameof(fault));
        }
    }

    /// <summary>The worker running the first spout executor.</summary>
    private static async Task<(int Pid, string SupervisorId, int Port, string Host)> SpoutWorkerAsync(FaultCluster cluster, string id, CancellationToken ct)
    {
        var assignment = await cluster.AssignmentAsync(id, ct).ConfigureAwait(false) ?? throw new TimeoutException($"no assignment for {id}");
        var spout = assignment.Executors.First(e => e.Component == "numbers");
        return cluster.Workers(id).First(w => w.SupervisorId == spout.NodeId && w.Port == spout.Port);
    }

    /// <summary>
    /// After the fault healed: within a minute, exactly the assigned workers run (no second copy of an executor left
    /// behind a partition or a freeze); otherwise what runs beyond the assignment.
    /// </summary>
    private static async Task<string?> StaleCopiesAsync(FaultCluster cluster, string id, CancellationToken ct)
    {
        string? last = null;
        try
        {
            await FaultCluster.WaitAsync(
                async () =>
                {
                    var assignment = await cluster.AssignmentAsync(id, ct).ConfigureAwait(false);
                    var assigned = assignment?.Workers.Select(w => (w.NodeId, w.Port)).ToHashSet() ?? [];
                    var running = cluster.Workers(id);
                    var extra = running.Where(w => !assigned.Contains((w.SupervisorId, w.Port))).ToList();
                    var twice = running.GroupBy(w => (w.SupervisorId, w.Port)).Where(g => g.Count() > 1).ToList();
                    last = $"running {running.Count} workers for {assigned.Count} assigned; not assigned: {string.Join(", ", extra.Select(w => $"{w.Host}:{w.Port} pid {w.Pid}"))}";
                    return extra.Count == 0 && twice.Count == 0 && running.Count == assigned.Count;
                },
                TimeSpan.FromSeconds(60),
                "only the assigned workers to run",
                ct).ConfigureAwait(false);
            return null;
        }
        catch (TimeoutException)
        {
            return last;
        }
    }

    /// <summary>Sink lines per second between two times, from the samples.</summary>
    private static double RateOver(List<(double T, long Lines)> samples, double from, double to)
    {
        var a = samples.LastOrDefault(s => s.T <= from, samples[0]);
        var b = samples.LastOrDefault(s => s.T <= to, samples[^1]);
        return b.T > a.T ? (b.Lines - a.Lines) / (b.T - a.T) : 0;
    }

    /// <summary>
    /// Seconds from the fault until the sink's rate is back to half of <paramref name="before"/> for good: the start of
    /// the first span of <see cref="Sustained"/> seconds, every one-second window of which has at least that rate (a
    /// stream that never fell that low recovers at once; one that never came back, when the run ended).
    /// </summary>
    private static double Recovery(List<(double T, long Lines)> samples, double at, double before)
    {
        var last = samples[^1].T;
        foreach (var s in samples.Where(s => s.T >= at && s.T + Sustained <= last))
        {
            var held = true;
            for (var end = s.T + 1; end <= s.T + Sustained + 1e-9 && held; end += 0.5)
            {
                held = RateOver(samples, end - 1, end) >= before / 2;
            }

            if (held)
            {
                return s.T - at;
            }
        }

        return last - at;
    }

    /// <summary>VmRSS of a process in MB (0 once it is gone).</summary>
    private static double ResidentMegabytes(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : double.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static T Locked<T>(List<(double, long)> samples, Func<T> read)
    {
        lock (samples)
        {
            return read();
        }
    }

    private static void Log(string message) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {message}");
}
