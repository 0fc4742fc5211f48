using StormSharp.Cluster;
using StormSharp.Supervisor.Tests.Infrastructure;
using StormSharp.ZooKeeper.Tests.Infrastructure;

namespace StormSharp.Supervisor.Tests;

/// <summary>
/// Real supervisors launching real worker processes against a real ZooKeeper and the real Nimbus, which schedules,
/// serves packages and takes heartbeats; the test submits to it and reads its view of the workers.
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
        var id = await rig.SubmitWordCountAsync(workers: 2);
        var assignment = (await rig.State.GetAssignmentAsync(id).Within("reading the assignment"))!.Value;
        Assert.Equal(2, assignment.Executors.Where(e => e.Component == "count").Select(e => e.NodeId).Distinct().Count());

        await Deadline.Until(
            async () =>
            {
                var info = await rig.InfoAsync(id);
                return info.Workers.Count(w => w.HeartbeatAgeMs >= 0) == 2
                    && info.Components.Single(c => c.Id == "sentences").Acked > 20 && info.Components.Single(c => c.Id == "count").Executed > 0;
            },
            "both workers' heartbeats to show sentences acked and words counted\n" + rig.LogOf("a", id, portA),
            WorkerStart);
        Assert.Equal(2, rig.WorkerPids().Count);
        Assert.Single(a.Workers);
        Assert.Single(b.Workers);

        await rig.DeactivateAsync(id);
        await Deadline.Until(async () => await EmittedSettledAsync(rig, id), "the spout to stop emitting once INACTIVE", TimeSpan.FromSeconds(20));
        var paused = await rig.TotalAsync(id, "sentences", c => c.Emitted);

        await rig.ActivateAsync(id);
        await Deadline.Until(async () => await rig.TotalAsync(id, "sentences", c => c.Emitted) > paused + 10, "the spout to emit again once ACTIVE", TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task WorkerKilled_Supervisor_RelaunchesItAndTopologyGoesOn()
    {
        await using var rig = await ClusterRig.StartAsync(zooKeeper);
        var port = Ports.Free();
        var s = await rig.StartSupervisorAsync("a", port);
        var id = await rig.SubmitWordCountAsync(workers: 1);
        await Deadline.Until(async () => await rig.TotalAsync(id, "sentences", c => c.Acked) > 5, "the first worker to ack sentences\n" + rig.LogOf("a", id, port), WorkerStart);
        var first = s.Workers[port];

        using (var p = System.Diagnostics.Process.GetProcessById(first.Pid))
        {
            p.Kill();
        }

        var killedAt = DateTime.UtcNow;
        await Deadline.Until(() => Task.FromResult(s.Workers.TryGetValue(port, out var w) && w.Pid != first.Pid), "the supervisor to launch a new worker on the slot", TimeSpan.FromSeconds(20));
        var second = s.Workers[port];
        Assert.NotEqual(first.WorkerId, second.WorkerId);

        // The new worker starts its counters from zero: acks from a heartbeat younger than the kill mean it runs.
        await Deadline.Until(
            async () =>
            {
                var info = await rig.InfoAsync(id);
                return info.Workers.Single().UptimeSecs <= (DateTime.UtcNow - killedAt).TotalSeconds && info.Components.Single(c => c.Id == "sentences").Acked > 5;
            },
            "the relaunched worker to ack sentences\n" + rig.LogOf("a", id, port),
            WorkerStart);
        Assert.Equal([second.Pid], rig.WorkerPids());
    }

    [Fact]
    public async Task TopologyKilled_Supervisor_StopsWorkersAndRemovesPackage()
    {
        await using var rig = await ClusterRig.StartAsync(zooKeeper);
        var port = Ports.Free();
        var s = await rig.StartSupervisorAsync("a", port);
        var id = await rig.SubmitWordCountAsync(workers: 1);
        await Deadline.Until(async () => rig.WorkerPids().Count == 1 && (await rig.InfoAsync(id)).Workers.Single().HeartbeatAgeMs >= 0, "the worker to run\n" + rig.LogOf("a", id, port), WorkerStart);

        await rig.KillAsync(id);
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
        var id = await rig.SubmitWordCountAsync(workers: 1);
        await Deadline.Until(async () => (await rig.InfoAsync(id)).Workers.Single().HeartbeatAgeMs >= 0, "the worker to heartbeat\n" + rig.LogOf("a", id, port), WorkerStart);
        var worker = first.Workers[port];

        // Nimbus deals the executors of a supervisor whose registration is gone over other slots at once (its
        // policy, not the supervisor's); here it is down while the supervisor restarts, so the assignment stands.
        await rig.StopNimbusAsync();
        await first.AbandonAsync().Within("the supervisor to go as a crash would");
        Assert.Equal([worker.Pid], rig.WorkerPids());

        var second = await rig.StartSupervisorAsync("a", port);
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(worker, second.Workers[port]);
        await rig.StartNimbusAsync();
        await WaitPassesAsync(second, 3);
        Assert.Equal([worker.Pid], rig.WorkerPids());
        Assert.NotNull(await rig.State.GetSupervisorAsync(second.Id).Within("reading the registration"));
        await Deadline.Until(async () => (await rig.InfoAsync(id)).Workers.Single().HeartbeatAgeMs is >= 0 and < 3000, "the adopted worker to heartbeat to the restarted Nimbus");
        Assert.Equal(worker, second.Workers[port]);

        await second.StopAsync(CancellationToken.None).Within("the supervisor to stop with its workers", TimeSpan.FromSeconds(20));
        Assert.Empty(rig.WorkerPids());
    }

    [Fact]
    public async Task BadAssignmentAndFailedDownload_Supervisor_SurvivesAndRunsOnceNimbusServes()
    {
        await using var rig = await ClusterRig.StartAsync(zooKeeper);
        var port = Ports.Free();

        // Nimbus is to move to a port nothing listens on yet: until it does, every download fails.
        var movedNimbus = Ports.Free();
        var s = await rig.StartSupervisorAsync(rig.Conf("a", [port], movedNimbus), "a");

        // Written by hand, as no Nimbus would: a slot this supervisor does not have, and a topology Nimbus knows nothing of.
        var bogus = new Assignment { NodeHosts = { [s.Id] = "127.0.0.1" } };
        bogus.Executors.Add(new ExecutorAssignment { Component = "x", FirstTask = 1, LastTask = 1, NodeId = s.Id, Port = port + 1 });
        await rig.State.SetAssignmentAsync("bogus-1-1", bogus).Within("writing a bad assignment");
        var unknown = new Assignment { NodeHosts = { [s.Id] = "127.0.0.1" } };
        unknown.Executors.Add(new ExecutorAssignment { Component = "x", FirstTask = 1, LastTask = 1, NodeId = s.Id, Port = port });
        await rig.State.SetAssignmentAsync("unknown-1-1", unknown).Within("writing an assignment of an unknown topology");
        await WaitPassesAsync(s, 2);
        Assert.Empty(s.Workers);
        await rig.State.RemoveAssignmentAsync("unknown-1-1").Within("removing it");

        var id = await rig.SubmitWordCountAsync(workers: 1);
        await Deadline.Until(async () => (await rig.State.GetAssignmentAsync(id))?.Value.Workers.Count == 1, "Nimbus to assign the topology to the supervisor");
        await WaitPassesAsync(s, 3);
        Assert.Empty(s.Workers);

        await rig.StopNimbusAsync();
        await rig.StartNimbusAsync(movedNimbus);
        await Deadline.Until(async () => await rig.TotalAsync(id, "sentences", c => c.Acked) > 5, "the topology to run once Nimbus serves\n" + rig.LogOf("a", id, port), WorkerStart);
    }

    private static async Task<bool> EmittedSettledAsync(ClusterRig rig, string id)
    {
        var before = await rig.TotalAsync(id, "sentences", c => c.Emitted);
        var since = DateTime.UtcNow;

        // Two heartbeats later with the same count: the spout is not asked for tuples.
        await Deadline.Until(
            async () => (await rig.InfoAsync(id)).Workers.All(w => w.HeartbeatAgeMs >= 0 && DateTime.UtcNow.AddMilliseconds(-w.HeartbeatAgeMs) > since.AddSeconds(2)),
            "two more heartbeats",
            TimeSpan.FromSeconds(10));
        return await rig.TotalAsync(id, "sentences", c => c.Emitted) == before;
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
