using StormSharp.Cluster;
using StormSharp.Supervisor.Tests.Infrastructure;
using StormSharp.ZooKeeper.Tests.Infrastructure;

namespace StormSharp.Supervisor.Tests;

/// <summary>
/// Real supervisors launching real worker processes against a real ZooKeeper, with the stand-in Nimbus of
/// <see cref="StandInNimbusService"/> serving packages and taking heartbeats, and Nimbus's records written by the test.
/// </summary>
[Collection(StandaloneCollection.Name)]
public sealed class SupervisorTests(StandaloneServerFixture zooKeeper)
{
    private static readonly TimeSpan WorkerStart = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task TwoSupervisors_WordCountOnTwoWorkers_AcksCompleteAndStatusStopsAndResumesSpout()
    {
        await using var rig = await ClusterRig.StartAsync(zooKeeper);
        int portA = Ports.Free(), portB = Ports.Free();
        var a = await rig.StartSupervisorAsync("a", portA);
        var b = await rig.StartSupervisorAsync("b", portB);
        const string id = "word-count-1-1";
        var definition = await rig.SubmitWordCountAsync(id, (a.Id, portA), (b.Id, portB));
        var counts = ClusterRig.Deal(definition, [(a.Id, portA), (b.Id, portB)]).Executors.Where(e => e.Component == "count").Select(e => e.Port).Distinct().Count();
        Assert.Equal(2, counts);

        await Deadline.Until(
            () => Task.FromResult(rig.HeartbeatsOf(id).Count == 2 && rig.Total(id, "sentences", e => e.Acked) > 20
                && rig.HeartbeatsOf(id).All(h => h.Executors.Where(e => e.Component == "count").Sum(e => e.Executed) > 0)),
            "both workers' heartbeats to show sentences acked and words counted in each worker\n" + rig.LogOf("a", id, portA),
            WorkerStart);
        Assert.Equal(2, rig.WorkerPids().Count);

        await rig.SetStatusAsync(id, TopologyStatus.Inactive);
        await Deadline.Until(async () => await EmittedSettledAsync(rig, id), "the spout to stop emitting once INACTIVE", TimeSpan.FromSeconds(20));
        var paused = rig.Total(id, "sentences", e => e.Emitted);

        await rig.SetStatusAsync(id, TopologyStatus.Active);
        await Deadline.Until(() => Task.FromResult(rig.Total(id, "sentences", e => e.Emitted) > paused + 10), "the spout to emit again once ACTIVE", TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task WorkerKilled_Supervisor_RelaunchesItAndTopologyGoesOn()
    {
        await using var rig = await ClusterRig.StartAsync(zooKeeper);
        var port = Ports.Free();
        var s = await rig.StartSupervisorAsync("a", port);
        const string id = "word-count-2-1";
        await rig.SubmitWordCountAsync(id, (s.Id, port));
        await Deadline.Until(() => Task.FromResult(rig.Total(id, "sentences", e => e.Acked) > 5), "the first worker to ack sentences\n" + rig.LogOf("a", id, port), WorkerStart);
        var first = s.Workers[port];

        using (var p = System.Diagnostics.Process.GetProcessById(first.Pid))
        {
            p.Kill();
        }

        await Deadline.Until(() => Task.FromResult(s.Workers.TryGetValue(port, out var w) && w.Pid != first.Pid), "the supervisor to launch a new worker on the slot", TimeSpan.FromSeconds(20));
        var second = s.Workers[port];
        Assert.NotEqual(first.WorkerId, second.WorkerId);

        // The new worker starts its counters from zero: acks above zero from its pid's heartbeat mean it runs.
        rig.Nimbus.Service.Heartbeats.Clear();
        await Deadline.Until(() => Task.FromResult(rig.Total(id, "sentences", e => e.Acked) > 5), "the relaunched worker to ack sentences\n" + rig.LogOf("a", id, port), WorkerStart);
        Assert.Equal([second.Pid], rig.WorkerPids());
    }

    [Fact]
    public async Task AssignmentRemoved_Supervisor_StopsWorkersAndRemovesPackage()
    {
        await using var rig = await ClusterRig.StartAsync(zooKeeper);
        var port = Ports.Free();
        var s = await rig.StartSupervisorAsync("a", port);
        const string id = "word-count-3-1";
        await rig.SubmitWordCountAsync(id, (s.Id, port));
        await Deadline.Until(() => Task.FromResult(rig.WorkerPids().Count == 1 && rig.HeartbeatsOf(id).Count == 1), "the worker to run\n" + rig.LogOf("a", id, port), WorkerStart);

        await rig.State.RemoveAssignmentAsync(id).Within("removing the assignment");
        await Deadline.Until(() => Task.FromResult(rig.WorkerPids().Count == 0 && s.Workers.Count == 0), "the worker to be stopped", TimeSpan.FromSeconds(20));
        var dist = Path.Combine(rig.Directory, "a", "local", "supervisor", "stormdist", id);
        await Deadline.Until(() => Task.FromResult(!Directory.Exists(dist)), "the unpacked package to be removed");
        Assert.Contains("stopped", rig.LogOf("a", id, port), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SupervisorRestart_SameLocalDir_AdoptsRunningWorkerWithoutDuplicate()
    {
        await using var rig = await ClusterRig.StartAsync(zooKeeper);
        var port = Ports.Free();
        var first = await rig.StartSupervisorAsync("a", port);
        const string id = "word-count-4-1";
        await rig.SubmitWordCountAsync(id, (first.Id, port));
        await Deadline.Until(() => Task.FromResult(rig.HeartbeatsOf(id).Count == 1), "the worker to heartbeat\n" + rig.LogOf("a", id, port), WorkerStart);
        var worker = first.Workers[port];

        await first.AbandonAsync().Within("the supervisor to go as a crash would");
        Assert.Equal([worker.Pid], rig.WorkerPids());

        var second = await rig.StartSupervisorAsync("a", port);
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(worker, second.Workers[port]);
        await WaitPassesAsync(second, 3);
        Assert.Equal([worker.Pid], rig.WorkerPids());
        Assert.NotNull(await rig.State.GetSupervisorAsync(second.Id).Within("reading the registration"));

        await second.StopAsync(CancellationToken.None).Within("the supervisor to stop with its workers", TimeSpan.FromSeconds(20));
        Assert.Empty(rig.WorkerPids());
    }

    [Fact]
    public async Task BadAssignmentAndFailedDownload_Supervisor_SurvivesAndRunsOnceNimbusServes()
    {
        await using var rig = await ClusterRig.StartAsync(zooKeeper);
        var port = Ports.Free();
        var s = await rig.StartSupervisorAsync("a", port);

        // A slot this supervisor does not have, and a topology Nimbus knows nothing of.
        var bogus = new Assignment { NodeHosts = { [s.Id] = "127.0.0.1" } };
        bogus.Executors.Add(new ExecutorAssignment { Component = "x", FirstTask = 1, LastTask = 1, NodeId = s.Id, Port = port + 1 });
        await rig.State.SetAssignmentAsync("bogus-1-1", bogus).Within("writing a bad assignment");
        var unknown = new Assignment { NodeHosts = { [s.Id] = "127.0.0.1" } };
        unknown.Executors.Add(new ExecutorAssignment { Component = "x", FirstTask = 1, LastTask = 1, NodeId = s.Id, Port = port });
        await rig.State.SetAssignmentAsync("unknown-1-1", unknown).Within("writing an assignment of an unknown topology");
        await WaitPassesAsync(s, 2);
        Assert.Empty(s.Workers);
        await rig.State.RemoveAssignmentAsync("unknown-1-1").Within("removing it");

        rig.Nimbus.Service.FailDownloads = true;
        const string id = "word-count-5-1";
        await rig.SubmitWordCountAsync(id, (s.Id, port));
        var before = rig.Nimbus.Service.DocumentRequests;
        await Deadline.Until(() => Task.FromResult(rig.Nimbus.Service.DocumentRequests >= before + 2), "the supervisor to retry the download", TimeSpan.FromSeconds(20));
        Assert.Empty(s.Workers);

        rig.Nimbus.Service.FailDownloads = false;
        await Deadline.Until(() => Task.FromResult(rig.Total(id, "sentences", e => e.Acked) > 5), "the topology to run once downloads work\n" + rig.LogOf("a", id, port), WorkerStart);
    }

    private static async Task<bool> EmittedSettledAsync(ClusterRig rig, string id)
    {
        var before = rig.Total(id, "sentences", e => e.Emitted);
        var beats = rig.HeartbeatsOf(id).Select(h => h.TimeMs).ToList();

        // Two heartbeats later with the same count: the spout is not asked for tuples.
        await Deadline.Until(() => Task.FromResult(rig.HeartbeatsOf(id).Select(h => h.TimeMs).Min() > beats.Max() + 2000), "two more heartbeats", TimeSpan.FromSeconds(10));
        return rig.Total(id, "sentences", e => e.Emitted) == before;
    }

    private static async Task WaitPassesAsync(SupervisorDaemon daemon, int passes)
    {
        var seen = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnPass()
        {
            if (Interlocked.Increment(ref seen) >= passes)
            {
                done.TrySetResult();
            }
        }

        daemon.PassCompleted += OnPass;
        try
        {
            await done.Task.Within($"{passes} supervisor passes");
        }
        finally
        {
            daemon.PassCompleted -= OnPass;
        }
    }
}
