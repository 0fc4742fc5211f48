using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using StormSharp.Benchmarks.Cluster.Measurement;
using StormSharp.Benchmarks.Cluster.Rig;
using StormSharp.Benchmarks.Cluster.Topologies;
using StormSharp.Tests.Shared;

namespace StormSharp.Benchmarks.Fuzz;

/// <summary>
/// <c>benchmarks/run fuzz</c>: a secured cluster (<c>storm.auth.scheme: token</c>, a random 48-character secret, TLS
/// on Nimbus, the UI, the logviewer and between workers) started as a user would with <see cref="ClusterRig"/>, word
/// count running on it; then each target in turn, <c>nimbus</c> (<see cref="NimbusFuzzer"/>), <c>worker</c> (the
/// transfer port of one of word count's workers, <see cref="WorkerFuzzer"/>), <c>ui</c> and <c>logviewer</c>
/// (<see cref="HttpFuzzer"/>), is sent hostile inputs from <see cref="Concurrency"/> loops for the given time. Before
/// each target a control input with valid credentials goes the same way and must be judged accepted, so that a zero
/// means refusals, not a blind counter. Between bursts the daemons and workers are checked by pid
/// (<see cref="DaemonWatch"/>); after each target the daemon must answer a valid authenticated call, else it counts
/// as a crash. Then the worker target once more on a second cluster without TLS (<see cref="PlainWorker"/>), its
/// counts added to <c>worker</c>'s. Everything goes to 127.0.0.1 with a deadline; the rig stops every process by pid
/// at the end.
/// </summary>
internal static class FuzzSuite
{
    /// <summary>Concurrent loops per target: coverage of input shapes, not load, on a small shared machine.</summary>
    private const int Concurrency = 3;

    private static readonly TimeSpan Burst = TimeSpan.FromSeconds(2);

    /// <summary>How long past its end a target's loops may take to return (each input has a deadline of a few seconds).</summary>
    private static readonly TimeSpan LoopGrace = TimeSpan.FromSeconds(15);

    private static readonly string[] UiRoutes =
    [
        "GET /", "GET /index.html", "GET /topology.html", "GET /component.html", "GET /supervisor.html", "GET /log.html", "GET /login.html",
        "GET /css/ui.css", "GET /js/common.js", "GET /js/login.js", "GET /vendor/highcharts/highcharts.js", "GET /metrics",
        "GET /api/v1/cluster/configuration", "GET /api/v1/cluster/summary", "GET /api/v1/nimbus/summary", "GET /api/v1/supervisor/summary",
        "GET /api/v1/supervisor?id={id}&host=127.0.0.1", "GET /api/v1/topology/summary", "GET /api/v1/history/summary",
        "GET /api/v1/topology/{id}", "GET /api/v1/topology/{id}?window=600&sys=true&callback=f", "GET /api/v1/topology/{id}/metrics",
        "GET /api/v1/topology/{id}/component/{component}", "GET /api/v1/topology/{id}/visualization", "GET /api/v1/topology/{id}/lag",
        "GET /api/v1/topology/{id}/logconfig", "GET /api/v1/topology-workers/{id}", "GET /api/v1/topology/{id}/series",
        "GET /api/v1/topology/{id}/series/stream", "POST /api/v1/topology/{id}/activate", "POST /api/v1/topology/{id}/deactivate",
        "POST /api/v1/topology/{id}/rebalance/{wait}", "POST /api/v1/topology/{id}/kill/{wait}", "POST /api/v1/login",
        "POST /api/v1/logout", "GET /api/v1/session", "GET /api/v1/no-such-thing",
    ];

    private static readonly string[] LogviewerRoutes =
    [
        "GET /log?file={file}", "GET /api/v1/log?file={file}", "GET /api/v1/log?file={file}&start=0&length=100",
        "GET /api/v1/download?file={file}", "GET /api/v1/search?file={file}&search-string=a", "GET /api/v1/search?file={file}&search-string=INFO&num-matches=5",
        "GET /login.html", "GET /log.html", "GET /js/log.js", "POST /api/v1/login", "POST /api/v1/logout", "GET /api/v1/session", "GET /nothing",
    ];

    public static int Run(FuzzOptions options, string root)
    {
        var tallies = FuzzOptions.AllTargets.ToDictionary(t => t, t => new TargetTally(t), StringComparer.Ordinal);
        using var certificates = TestCertificates.Create();
        var secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        var security = new RigSecurity(secret, certificates.CertificatePath, certificates.KeyPath, certificates.CaPath, MessagingTls: true);
        var controlsOk = true;
        ClusterRig? rig = null;
        try
        {
            rig = ClusterRig.Start(root, supervisors: 1, security);
            rig.KeepRunDirectory = options.Keep;
            var ui = rig.StartUi();
            var logviewer = rig.StartLogviewer();
            var (id, workerPort) = SubmitWordCount(rig, root);
            var credentials = new FuzzCredentials(secret, id);
            var watch = new DaemonWatch(rig, id, tallies, ui, logviewer);
            var logs = Path.Combine(rig.LogDirectory, "workers-artifacts");
            string? LogFile() => Directory.Exists(logs)
                ? Directory.EnumerateFiles(logs, "*.log", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(logs, f).Replace('\\', '/')).FirstOrDefault()
                : null;
            Bench.Log($"fuzz: {options.PerTarget.TotalSeconds:0} s per target; topology {id}, worker pids {string.Join(", ", watch.Workers)}, fuzzed worker port {workerPort}; UI {rig.UiPort}, logviewer {rig.LogviewerPort}");

            foreach (var target in FuzzOptions.AllTargets.Where(options.Targets.Contains))
            {
                Func<Random, CancellationToken, Task<Verdict>> one;
                Func<CancellationToken, Task<bool>> control, health;
                IDisposable fuzzer;
                switch (target)
                {
                    case "nimbus":
                        var n = new NimbusFuzzer(rig.NimbusPort, credentials, BenchmarkTopologies.NameOf(BenchmarkTopologies.WordCount));
                        Bench.Log($"nimbus: methods {string.Join(", ", n.Methods)}");
                        (one, control, fuzzer) = (n.OneAsync, Explained(n.ControlAsync, () => n.LastDetail), n);
                        health = Fresh(() => new NimbusFuzzer(rig.NimbusPort, credentials, BenchmarkTopologies.NameOf(BenchmarkTopologies.WordCount)), f => Explained(f.ControlAsync, () => f.LastDetail));
                        break;
                    case "worker":
                        var w = new WorkerFuzzer(workerPort, credentials);
                        (one, control, fuzzer) = (w.OneAsync, Explained(w.ControlAsync, () => w.LastDetail), w);
                        health = Fresh(() => new WorkerFuzzer(workerPort, credentials), f => Explained(f.ControlAsync, () => f.LastDetail));
                        break;
                    case "ui":
                        var u = new HttpFuzzer(rig.UiPort, credentials, UiRoutes, "/api/v1/cluster/summary", LogFile);
                        (one, control, fuzzer) = (u.OneAsync, u.ControlAsync, u);
                        health = Fresh(() => new HttpFuzzer(rig.UiPort, credentials, UiRoutes, "/api/v1/cluster/summary", LogFile), f => f.ControlAsync);
                        break;
                    default:
                        var l = new HttpFuzzer(rig.LogviewerPort, credentials, LogviewerRoutes, LogFile() is null ? "/api/v1/session" : "/api/v1/log?file={file}", LogFile);
                        (one, control, fuzzer) = (l.OneAsync, l.ControlAsync, l);
                        health = Fresh(() => new HttpFuzzer(rig.LogviewerPort, credentials, LogviewerRoutes, LogFile() is null ? "/api/v1/session" : "/api/v1/log?file={file}", LogFile), f => f.ControlAsync);
                        break;
                }

                using (fuzzer)
                {
                    controlsOk &= RunTarget(tallies[target], one, control, health, watch, options.PerTarget);
                }
            }
        }
        catch (Exception e)
        {
            Bench.Log($"fuzz failed: {e}");
            if (rig is not null)
            {
                rig.KeepRunDirectory = true;
            }

            controlsOk = false;
        }
        finally
        {
            Bench.Log("stopping the cluster");
            rig?.Dispose();
        }

        if (options.Targets.Contains("worker"))
        {
            controlsOk &= PlainWorker(options, root, tallies);
        }

        long crashes = 0, accepted = 0;
        foreach (var t in FuzzOptions.AllTargets)
        {
            var tally = tallies[t];
            crashes += tally.DaemonCrashes;
            accepted += tally.AcceptedWithoutCredentials;
            if (!options.Targets.Contains(t))
            {
                continue;
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fuzz.{t}.inputs: {tally.Inputs}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fuzz.{t}.daemon_crashes: {tally.DaemonCrashes}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fuzz.{t}.accepted_without_credentials: {tally.AcceptedWithoutCredentials}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fuzz.total.daemon_crashes: {crashes}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fuzz.total.accepted_without_credentials: {accepted}"));
        if (!controlsOk)
        {
            Bench.Log("a control input with valid credentials was not accepted, or the run failed: the counts above prove nothing");
        }

        return controlsOk && crashes == 0 && accepted == 0 ? 0 : 1;
    }

    /// <summary>
    /// The worker target again on a cluster without TLS (<c>storm.auth.scheme: token</c> alone): the transfer port in
    /// plain HTTP/2, guarded only by the worker token. Its inputs and findings count under <c>worker</c>.
    /// </summary>
    private static bool PlainWorker(FuzzOptions options, string root, IReadOnlyDictionary<string, TargetTally> tallies)
    {
        var secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        ClusterRig? rig = null;
        try
        {
            rig = ClusterRig.Start(root, supervisors: 1, new RigSecurity(secret, null, null, null, MessagingTls: false));
            rig.KeepRunDirectory = options.Keep;
            var (id, port) = SubmitWordCount(rig, root);
            var credentials = new FuzzCredentials(secret, id);
            var watch = new DaemonWatch(rig, id, tallies, ui: null, logviewer: null);
            Bench.Log($"worker (plain HTTP/2, token only): topology {id}, worker pids {string.Join(", ", watch.Workers)}, fuzzed worker port {port}");
            using var w = new WorkerFuzzer(port, credentials, tls: false);
            return RunTarget(tallies["worker"], w.OneAsync, Explained(w.ControlAsync, () => w.LastDetail), Fresh(() => new WorkerFuzzer(port, credentials, tls: false), f => Explained(f.ControlAsync, () => f.LastDetail)), watch, options.PerTarget);
        }
        catch (Exception e)
        {
            Bench.Log($"fuzz of the plain worker port failed: {e}");
            if (rig is not null)
            {
                rig.KeepRunDirectory = true;
            }

            return false;
        }
        finally
        {
            Bench.Log("stopping the cluster without TLS");
            rig?.Dispose();
        }
    }

    /// <summary>A control that logs why it was refused.</summary>
    /// <summary>The word count the fuzzed worker port belongs to, paced at 200 sentences a second; its id and the lower worker port.</summary>
    private static (string Id, int WorkerPort) SubmitWordCount(ClusterRig rig, string root)
    {
        var type = typeof(BenchmarkTopologies).FullName!;
        var dll = Path.Combine(root, "benchmarks", "Cluster", "Topologies", "bin", "Release", "net10.0", Path.GetFileName(typeof(BenchmarkTopologies).Assembly.Location));
        var name = BenchmarkTopologies.NameOf(BenchmarkTopologies.WordCount);
        var id = rig.Submit(name, dll, type, BenchmarkTopologies.WordCount, FormattableString.Invariant($"{BenchSettings.SpoutRate}=200"));
        return (id, rig.Nimbus.Info(name)!.Workers.OrderBy(w => w.Port).First().Port);
    }

    private static Func<CancellationToken, Task<bool>> Explained(Func<CancellationToken, Task<bool>> control, Func<string?> detail) => async ct =>
    {
        var ok = await control(ct).ConfigureAwait(false);
        if (!ok)
        {
            Bench.Log($"  the control was refused: {detail() ?? "(no detail)"}");
        }

        return ok;
    };

    /// <summary>The control through a client of its own, made for the call: the daemon's health, whatever the fuzzed client's connections went through.</summary>
    private static Func<CancellationToken, Task<bool>> Fresh<T>(Func<T> make, Func<T, Func<CancellationToken, Task<bool>>> control)
        where T : IDisposable => async ct =>
        {
            using var fresh = make();
            return await control(fresh)(ct).ConfigureAwait(false);
        };

    /// <summary>Runs <paramref name="call"/> with a deadline, and gives up waiting for it shortly after: false unless it said true in time.</summary>
    private static bool Bounded(Func<CancellationToken, Task<bool>> call, TimeSpan deadline)
    {
        using var cts = new CancellationTokenSource(deadline);
        var task = call(cts.Token);
        try
        {
            return task.Wait(deadline + TimeSpan.FromSeconds(2)) && task.Result;
        }
        catch (AggregateException)
        {
            return false;
        }
    }

    /// <summary>
    /// One target for <paramref name="duration"/>: the control first (false when it is not accepted), the loops, pid
    /// checks between bursts, then <paramref name="health"/>. Loops still in a call <see cref="LoopGrace"/> after the
    /// end are left behind, so the run ends whatever a client library does.
    /// </summary>
    private static bool RunTarget(TargetTally tally, Func<Random, CancellationToken, Task<Verdict>> one, Func<CancellationToken, Task<bool>> control, Func<CancellationToken, Task<bool>> health, DaemonWatch watch, TimeSpan duration)
    {
        tally.ControlAccepted = Bounded(control, TimeSpan.FromSeconds(20));
        Bench.Log($"{tally.Name}: control with valid credentials {(tally.ControlAccepted == true ? "accepted (the counter sees acceptance)" : "NOT accepted")}");

        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(duration);
        var loops = Enumerable.Range(0, Concurrency).Select(i => Task.Run(async () =>
        {
            var r = new Random(Environment.TickCount ^ (i * 7919));
            while (!stop.IsCancellationRequested)
            {
                Verdict v;
                try
                {
                    v = await one(r, stop.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // The fuzzer's own failure to send is still an input the daemon may have seen part of.
                    v = Verdict.Refused("client:" + e.GetType().Name, e.Message);
                }

                tally.Record(v);
                if (v.AcceptedWithoutCredentials)
                {
                    Bench.Log($"ACCEPTED without credentials on {tally.Name}: {v.Input}");
                }
            }
        })).ToArray();

        while (!Task.WaitAll(loops, Burst))
        {
            watch.Check();
            if (clock.Elapsed > duration + LoopGrace)
            {
                Bench.Log($"{tally.Name}: {loops.Count(l => !l.IsCompleted)} loop(s) still in a call {LoopGrace.TotalSeconds:0} s after the end; left behind");
                break;
            }
        }

        watch.Check();
        var healthy = Healthy(health);
        if (!healthy)
        {
            Bench.Log($"CRASH: {tally.Name} does not answer a valid authenticated call after its run");
            tally.Crashed();
        }

        Bench.Log($"{tally.Name}: {tally.Inputs:N0} inputs in {clock.Elapsed.TotalSeconds:0} s; {tally.DaemonCrashes} crash(es), {tally.AcceptedWithoutCredentials} accepted without credentials; answers: {tally.Outcomes()}");
        return tally.ControlAccepted == true;
    }

    /// <summary>A valid authenticated call, three tries over about ten seconds (the daemon may still be busy with the last burst).</summary>
    private static bool Healthy(Func<CancellationToken, Task<bool>> health)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (Bounded(health, TimeSpan.FromSeconds(5)))
            {
                return true;
            }

            Thread.Sleep(1000);
        }

        return false;
    }
}
