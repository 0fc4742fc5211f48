using System.Globalization;
using System.Text.Json;
using StormSharp.Integration.Tests.Infrastructure;
using StormSharp.Topology.State;
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

    [Fact]
    public async Task StatefulWordCount_WorkerSigkilledMidRun_RecoversFromTheLastCheckpointToExactCounts()
    {
        const long sentences = 3_000;
        await using var rig = await ClusterRig.StartAsync(zooKeeper);
        var a = await rig.StartSupervisorAsync("a");
        var name = "checkpointed-" + Guid.NewGuid().ToString("N")[..6];
        await rig.StormAsync("jar", ClusterRig.TestTopologiesDll, "StormSharp.Integration.Topologies.CheckpointedWordCountTopology", name, sentences.ToString(CultureInfo.InvariantCulture), "2");
        var expected = ExpectedCounts(sentences);
        var state = Path.Combine(rig.Directory, "a", "local");

        // Killed once a checkpoint has committed some counts and well before the source's end (2 ms a sentence: 6 s).
        await rig.UntilAsync(() => Task.FromResult(CommittedCounts(state, name).Values.Sum() > 0 && a.Workers.Count == 1), "a checkpoint to commit counts", ClusterRig.WorkerStart);
        var (port, killed) = a.Workers.Single();
        using (var p = System.Diagnostics.Process.GetProcessById(killed.Pid))
        {
            p.Kill();
        }

        var atKill = CommittedCounts(state, name).Values.Sum();
        Assert.True(atKill < expected.Values.Sum(), $"the worker was killed mid-run ({atKill} of {expected.Values.Sum()} words committed)");

        // Its supervisor starts another; the topology rolls back to the last checkpoint, the source rewinds to its
        // position there, and the counts end exactly as without the kill: none lost, none counted twice.
        await rig.UntilAsync(
            () =>
            {
                var counts = CommittedCounts(state, name);
                var total = counts.Values.Sum();
                Assert.True(total <= expected.Values.Sum(), $"more words committed ({total}) than the source has ({expected.Values.Sum()}): a replay was counted twice");
                return Task.FromResult(total == expected.Values.Sum());
            },
            "the committed counts to reach every word of the source",
            TimeSpan.FromSeconds(60));
        Assert.True(a.Workers.TryGetValue(port, out var relaunched) && relaunched.Pid != killed.Pid, "the supervisor relaunched the SIGKILLed worker");
        var final = CommittedCounts(state, name);
        Assert.Equal(expected.OrderBy(kv => kv.Key, StringComparer.Ordinal), final.OrderBy(kv => kv.Key, StringComparer.Ordinal));
    }

    /// <summary>The counts the count bolt's tasks committed, read from the file provider's files under <paramref name="localDir"/>.</summary>
    private static Dictionary<string, long> CommittedCounts(string localDir, string topology)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var root = Path.Combine(localDir, "state", topology);
        if (!Directory.Exists(root))
        {
            return counts;
        }

        var conf = new Dictionary<string, object?> { ["storm.local.dir"] = localDir };
        foreach (var dir in Directory.GetDirectories(root, "count-*"))
        {
            using var store = new FileStateProvider().Open(topology, Path.GetFileName(dir), conf);
            foreach (var (key, value) in store.Load().Committed)
            {
                counts[JsonSerializer.Deserialize<string>(key)!] = JsonSerializer.Deserialize<long>(value);
            }
        }

        return counts;
    }

    /// <summary>The fault-free counts: sentence i is "w{i%7} v{i%13} u{i%3}", as CheckpointedWordCountTopology emits it.</summary>
    private static Dictionary<string, long> ExpectedCounts(long sentences)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0L; i < sentences; i++)
        {
            foreach (var w in new[] { $"w{i % 7}", $"v{i % 13}", $"u{i % 3}" })
            {
                counts[w] = counts.GetValueOrDefault(w) + 1;
            }
        }

        return counts;
    }
}
