using StormSharp.Cluster;
using StormSharp.Cluster.Rpc;
using StormSharp.Integration.Tests.Infrastructure;
using StormSharp.ZooKeeper.Tests.Infrastructure;

namespace StormSharp.Integration.Tests;

/// <summary>
/// A topology's whole life on a real cluster: Nimbus and two supervisors in this process, worker processes, a real
/// ZooKeeper; driven with the <c>storm</c> verbs, observed through Nimbus's API, ZooKeeper and <c>/proc</c>.
/// </summary>
[Collection(StandaloneCollection.Name)]
public sealed class ClusterLifecycleTests(StandaloneServerFixture zooKeeper)
{
    [Fact]
    public async Task WordCount_WithZooKeeperDigestAuth_RunsOnTwoSupervisorsAndAClientWithoutTheCredentialsCannotWrite()
    {
        var credentials = "storm:" + Guid.NewGuid().ToString("N");
        await using var rig = await ClusterRig.StartAsync(zooKeeper, new Dictionary<string, object?>
        {
            ["storm.zookeeper.auth.scheme"] = "digest",
            ["storm.zookeeper.auth.payload"] = credentials,
        });
        await rig.StartSupervisorAsync("a");
        await rig.StartSupervisorAsync("b");

        // Nimbus, both supervisors and both worker processes authenticate: the topology runs as without ACLs.
        var id = await rig.SubmitWordCountAsync(workers: 2);
        await rig.UntilAsync(
            async () =>
            {
                var info = await rig.InfoAsync(id);
                return info.Workers.Count == 2 && ClusterRig.Component(info, "sentences").Acked > 20 && ClusterRig.Component(info, "count").Executed > 0;
            },
            "both workers to heartbeat with sentences acked and words counted",
            ClusterRig.WorkerStart);

        await using (var anonymous = await StormSharp.ZooKeeper.ZooKeeperClient.ConnectAsync(zooKeeper.ConnectionString).Within("a client without credentials"))
        {
            await Assert.ThrowsAsync<StormSharp.ZooKeeper.NoAuthException>(async () => await anonymous.SetDataAsync($"{rig.Root}/assignments/{id}", new byte[] { 1 }));
            await Assert.ThrowsAsync<StormSharp.ZooKeeper.NoAuthException>(async () => await anonymous.DeleteAsync($"{rig.Root}/storms/{id}"));
            await Assert.ThrowsAsync<StormSharp.ZooKeeper.NoAuthException>(async () =>
                await anonymous.CreateAsync($"{rig.Root}/leader-lock/intruder", ReadOnlyMemory<byte>.Empty, StormSharp.ZooKeeper.Acls.OpenUnsafe));
        }

        await rig.StormAsync("kill", "word-count", "-w", "1");
        await rig.UntilAsync(async () => await rig.AssignmentAsync(id) is null && rig.WorkerPids().Count == 0, "the topology and its workers gone", TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task WordCount_SubmitDeactivateActivateRebalanceKill_RunsAcrossSupervisorsAndLeavesNothing()
    {
        await using var rig = await ClusterRig.StartAsync(zooKeeper);
        var a = await rig.StartSupervisorAsync("a");
        var b = await rig.StartSupervisorAsync("b");

        // Submit: two workers, one on each supervisor, count executors in both (fields grouping across processes).
        var id = await rig.SubmitWordCountAsync(workers: 2);
        var assignment = (await rig.AssignmentAsync(id))!;
        Assert.Equal(new[] { a.Id, b.Id }.Order(StringComparer.Ordinal), assignment.Workers.Select(w => w.NodeId).Order(StringComparer.Ordinal));
        Assert.Equal(2, assignment.Executors.Where(e => e.Component == "count").Select(e => (e.NodeId, e.Port)).Distinct().Count());
        await rig.UntilAsync(
            async () =>
            {
                var info = await rig.InfoAsync(id);
                return info.Workers.Count == 2 && info.Workers.All(w => w.HeartbeatAgeMs >= 0)
                    && ClusterRig.Component(info, "sentences").Acked > 20 && ClusterRig.Component(info, "count").Executed > 0;
            },
            "both workers to heartbeat with sentences acked and words counted",
            ClusterRig.WorkerStart);
        Assert.Equal(2, rig.WorkerPids().Count);
        var running = await rig.InfoAsync(id);
        Assert.Equal(0, ClusterRig.Component(running, "sentences").Failed);
        Assert.Equal("ACTIVE", running.Summary.Status);

        // Deactivate: the spout is no longer asked for tuples; activate: it is again.
        await rig.StormAsync("deactivate", "word-count");
        var paused = await EmittedSettledAsync(rig, id);
        Assert.Equal("INACTIVE", (await rig.InfoAsync(id)).Summary.Status);
        await rig.StormAsync("activate", "word-count");
        await rig.UntilAsync(async () => ClusterRig.Component(await rig.InfoAsync(id), "sentences").Emitted > paused + 10, $"the spout to emit again once activated (paused at {paused})");

        // Rebalance 2 -> 3: a third slot, a new worker process, still acking.
        var before = rig.WorkerPids();
        await rig.StormAsync("rebalance", "word-count", "-n", "3", "-w", "1");
        await rig.UntilAsync(
            async () => (await rig.AssignmentAsync(id))?.Workers.Count == 3 && (await rig.State.GetStormBaseAsync(id))?.Value.Status == TopologyStatus.Active,
            "the assignment to have 3 slots and the topology to be active again",
            TimeSpan.FromSeconds(30));
        var rebalanced = (await rig.AssignmentAsync(id))!;
        Assert.Equal(3, rebalanced.Executors.Select(e => (e.NodeId, e.Port)).Distinct().Count());
        await rig.UntilAsync(
            async () => rig.WorkerPids().Count == 3 && rig.WorkerPids().Except(before).Any() && (await rig.InfoAsync(id)).Workers.Count(w => w.HeartbeatAgeMs is >= 0 and < 3000) == 3,
            "three worker processes, one of them new, all heartbeating",
            ClusterRig.WorkerStart);
        await rig.UntilAckingAsync(id, "after the rebalance");

        // Kill: workers gone, assignment and every znode of the storm removed.
        Assert.Contains(await rig.ZnodesNamingAsync(id), z => z.EndsWith("/storms/" + id, StringComparison.Ordinal));
        await rig.StormAsync("kill", "word-count", "-w", "1");
        await rig.UntilAsync(() => Task.FromResult(rig.WorkerPids().Count == 0), "the killed topology's worker processes to exit", TimeSpan.FromSeconds(30));
        await rig.UntilAsync(async () => await rig.AssignmentAsync(id) is null && await rig.State.GetStormBaseAsync(id) is null, "the storm and its assignment to be removed", TimeSpan.FromSeconds(30));
        Assert.Empty(await rig.ZnodesNamingAsync(id));
        Assert.Empty(a.Workers);
        Assert.Empty(b.Workers);
    }

    /// <summary>Waits until the spout's emitted count holds still across two heartbeats of every worker; returns it.</summary>
    private static async Task<long> EmittedSettledAsync(ClusterRig rig, string id)
    {
        long settled = -1;
        await rig.UntilAsync(
            async () =>
            {
                var first = await rig.InfoAsync(id);
                var emitted = ClusterRig.Component(first, "sentences").Emitted;
                var since = DateTime.UtcNow;

                // No signal says "no more tuples": compare across two heartbeat periods (1 s each) of every worker.
                await Task.Delay(TimeSpan.FromSeconds(2.2));
                var second = await rig.InfoAsync(id);
                var fresh = second.Workers.All(w => w.HeartbeatAgeMs >= 0 && DateTime.UtcNow.AddMilliseconds(-w.HeartbeatAgeMs) > since.AddSeconds(1));
                settled = ClusterRig.Component(second, "sentences").Emitted;
                return fresh && settled == emitted;
            },
            "the spout's emitted count to stop rising once deactivated",
            TimeSpan.FromSeconds(20));
        return settled;
    }
}
