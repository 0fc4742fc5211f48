using StormSharp.Integration.Tests.Infrastructure;
using StormSharp.ZooKeeper.Tests.Infrastructure;

namespace StormSharp.Integration.Tests;

/// <summary>Failures of a real cluster's parts while word count runs: a worker process killed, a supervisor gone.</summary>
[Collection(StandaloneCollection.Name)]
public sealed class ClusterFaultTests(StandaloneServerFixture zooKeeper)
{
    [Fact]
    public async Task WordCount_WorkerSigkilledThenSupervisorStopped_RestartedThenReassignedAndGoesOn()
    {
        await using var rig = await ClusterRig.StartAsync(zooKeeper);
        var a = await rig.StartSupervisorAsync("a");
        var b = await rig.StartSupervisorAsync("b");
        var id = await rig.SubmitWordCountAsync(workers: 2);
        await rig.UntilAsync(
            async () => (await rig.InfoAsync(id)).Workers.Count(w => w.HeartbeatAgeMs >= 0) == 2 && a.Workers.Count == 1 && b.Workers.Count == 1,
            "a worker on each supervisor, both heartbeating",
            ClusterRig.WorkerStart);
        await rig.UntilAckingAsync(id, "on two workers");

        // SIGKILL a worker: its supervisor launches a new process on the same slot, and the topology goes on.
        var (port, killed) = a.Workers.Single();
        using (var p = System.Diagnostics.Process.GetProcessById(killed.Pid))
        {
            p.Kill();
        }

        await rig.UntilAsync(
            async () => a.Workers.TryGetValue(port, out var w) && w.Pid != killed.Pid && rig.WorkerPids().Contains(w.Pid) && !rig.WorkerPids().Contains(killed.Pid)
                && (await rig.InfoAsync(id)).Workers.Any(s => s.SupervisorId == a.Id && s.Port == port && s.HeartbeatAgeMs is >= 0 and < 3000 && s.UptimeSecs < 20),
            $"supervisor a to relaunch the SIGKILLed worker (pid {killed.Pid}) on slot {port}, and it to heartbeat",
            TimeSpan.FromSeconds(30));
        await rig.UntilAckingAsync(id, "after the worker was relaunched");

        // Supervisor b stops for good: Nimbus moves its executors to a's free slot, and the topology goes on.
        await rig.StopSupervisorAsync("b");
        Assert.Empty(b.Workers);
        await rig.UntilAsync(
            async () => (await rig.AssignmentAsync(id))?.Executors.All(e => e.NodeId == a.Id) == true,
            "Nimbus to reassign supervisor b's executors to supervisor a",
            TimeSpan.FromSeconds(30));
        var moved = (await rig.AssignmentAsync(id))!;
        Assert.Equal(2, moved.Workers.Count);
        await rig.UntilAsync(
            async () => a.Workers.Count == 2 && rig.WorkerPids().Count == 2
                && (await rig.InfoAsync(id)).Workers.Count(w => w.SupervisorId == a.Id && w.HeartbeatAgeMs is >= 0 and < 3000) == 2,
            "supervisor a to run both workers, both heartbeating",
            ClusterRig.WorkerStart);
        await rig.UntilAckingAsync(id, "with both workers on supervisor a");
    }

    [Fact]
    public async Task BoltPrepareThrows_WorkerDiesAndItsSupervisorStartsItAgain_ErrorRecorded()
    {
        await using var rig = await ClusterRig.StartAsync(zooKeeper);
        var a = await rig.StartSupervisorAsync("a");
        await rig.StormAsync("jar", ClusterRig.TestTopologiesDll, "StormSharp.Integration.Topologies.FailingPrepareTopology");

        // As in Storm, the worker dies (exit code 20) instead of failing every tuple for the rest of its life, and its
        // supervisor starts another; that one dies too, its bolt being no better.
        var first = 0;
        await rig.UntilAsync(
            () => Task.FromResult(a.Workers.Count == 1 && (first = a.Workers.Single().Value.Pid) > 0),
            "supervisor a to launch the worker",
            ClusterRig.WorkerStart);
        await rig.UntilAsync(
            () => Task.FromResult(a.Workers.Count == 1 && a.Workers.Single().Value.Pid != first && !rig.WorkerPids().Contains(first)),
            $"the worker (pid {first}) to die of its bolt's Prepare and supervisor a to start another",
            ClusterRig.WorkerStart);

        var errors = await rig.StormAsync("get-errors", "failing-prepare");
        Assert.True(errors.Contains("no connection to the store (failing-prepare)", StringComparison.Ordinal), errors + rig.AllWorkerLogs());
    }
}
