using System.Text.Json;
using StormSharp.Topology;
using StormSharp.Topology.State;

namespace StormSharp.Runtime.Tests.State;

public sealed class CheckpointTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly string _key = Guid.NewGuid().ToString("N");
    private readonly string _name;
    private readonly LocalCluster _cluster = new();

    public CheckpointTests()
    {
        _name = "state-" + _key[..8];
    }

    private StateBoard.Log Log => StateBoard.Of(_key);

    public void Dispose()
    {
        _cluster.Dispose();
        StateBoard.Forget(_key);
        InMemoryStateProvider.Clear(_name);
    }

    [Fact]
    public void StatefulWordCount_CheckpointsCommitExactCounts_AndEveryTupleIsAckedOnceItsCheckpointCommits()
    {
        const int n = 300;
        Enqueue(n);
        _cluster.SubmitTopology(_name, Conf(), WordCount(new QueueSentenceSpout(_key), "count"));

        var expected = Expected(n);
        Await.Until(
            () => Log.Acked.Count == n && Counts("count").Count == expected.Count && Same(Counts("count"), expected),
            Timeout,
            () => $"{n} acks and committed counts {Show(expected)}; have {Log.Acked.Count} acks and {Show(Counts("count"))}");
        Assert.Contains(Log.Events, e => e.StartsWith("count commit", StringComparison.Ordinal));
    }

    [Fact]
    public void BoltFailingInPrepare_RollsTheWholeCheckpointBack_ThenTheSameTxidCommitsEverywhere()
    {
        const int n = 300;
        Log.FailPrepareAt = 2;
        Enqueue(n);
        var builder = new TopologyBuilder();
        builder.SetSpout("src", new QueueSentenceSpout(_key));
        builder.SetBolt("split", new SplitBolt(), 2).ShuffleGrouping("src");
        builder.SetBolt("fails", new StatefulCountBolt(_key)).FieldsGrouping("split", new Fields("word"));
        builder.SetBolt("other", new StatefulCountBolt(_key)).FieldsGrouping("split", new Fields("word"));
        _cluster.SubmitTopology(_name, Conf(), builder.CreateTopology());

        var expected = Expected(n);
        Await.Until(
            () => Log.Acked.Count == n && Log.Events.Contains("fails commit 2") && Log.Events.Contains("other commit 2"),
            Timeout,
            () => $"{n} acks and checkpoint 2 committed by both bolts; have {Log.Acked.Count} acks, events: {string.Join(", ", Log.Events.TakeLast(12))}");

        var events = Log.Events.ToList();
        var failedAt = events.IndexOf("fails prepare-failed 2");
        Assert.True(failedAt >= 0, "the prepare of checkpoint 2 failed");

        // Neither bolt committed checkpoint 2 before both rolled it back and were given their committed state again.
        var firstCommit2 = events.FindIndex(e => e.EndsWith(" commit 2", StringComparison.Ordinal));
        foreach (var bolt in new[] { "fails", "other" })
        {
            var rollback = events.FindIndex(failedAt, e => e == $"{bolt} rollback");
            Assert.True(rollback > failedAt, $"{bolt} rolled back after the failed prepare");
            var reinit = events.FindIndex(rollback, e => e == $"{bolt} init");
            Assert.True(reinit > rollback && reinit < firstCommit2, $"{bolt} got its committed state back before checkpoint 2 committed");
        }

        Assert.True(firstCommit2 > failedAt);

        // At-least-once: the rolled-back tuples were replayed, so no count is lower than the true one.
        foreach (var bolt in new[] { "fails", "other" })
        {
            Await.Until(() => AtLeast(Counts(bolt), expected), Timeout, () => $"{bolt} counts at least {Show(expected)}, have {Show(Counts(bolt))}");
        }
    }

    [Fact]
    public void ReplayableSource_TopologyKilledMidRunAndRecovered_CountsEqualFaultFreeCountsExactly()
    {
        const int n = 2000;
        var expected = Expected(n);
        _cluster.SubmitTopology(_name, Conf(maxPending: 50), WordCount(new ReplayableSentenceSpout(_key, n, pauseMs: 1), "count", spouts: 2));
        Await.Until(
            () => Interlocked.Read(ref Log.Emitted) >= 400 && CommittedTxid() >= 1,
            Timeout,
            () => $"400 sentences emitted and a checkpoint committed; have {Interlocked.Read(ref Log.Emitted)} and txid {CommittedTxid()}");

        // Every task torn down at once, mid-run: what was not committed is lost with it.
        _cluster.KillTopology(_name);
        var emittedBeforeKill = Interlocked.Read(ref Log.Emitted);
        Assert.True(emittedBeforeKill < n, $"the topology was killed mid-run ({emittedBeforeKill} of {n} emitted)");

        _cluster.SubmitTopology(_name, Conf(maxPending: 500), WordCount(new ReplayableSentenceSpout(_key, n), "count", spouts: 2));
        Await.Until(
            () => SpoutPositionsAtCommitted().All(p => p >= n - 1),
            Timeout,
            () => $"a committed checkpoint with both spouts at the end; positions {string.Join(",", SpoutPositionsAtCommitted())} at txid {CommittedTxid()}");

        var counts = Counts("count");
        Assert.True(Same(counts, expected), $"committed counts {Show(counts)} differ from the fault-free counts {Show(expected)}");

        // The second run rewound to the checkpoint and emitted again what the first had emitted after it.
        Assert.True(Interlocked.Read(ref Log.Emitted) > n, $"the recovery replayed part of the input ({Interlocked.Read(ref Log.Emitted)} emitted for {n})");
    }

    [Fact]
    public void ReplayableSource_ATupleFailingInABolt_RewindsEverySource_AndCountsStayExact()
    {
        const int n = 1000;
        var expected = Expected(n);
        Log.FailSentence = 101; // fails once on its way through split: its spout sits out, the checkpoint times out
        var builder = new TopologyBuilder();
        builder.SetSpout("src", new ReplayableSentenceSpout(_key, n), 2);
        builder.SetBolt("split", new SplitBolt(_key), 2).ShuffleGrouping("src");
        builder.SetBolt("count", new StatefulCountBolt(_key), 2).FieldsGrouping("split", new Fields("word"));
        _cluster.SubmitTopology(_name, Conf(maxPending: 100).SetMessageTimeoutSecs(2), builder.CreateTopology());

        Await.Until(
            () => Log.FailSentence == -1 && SpoutPositionsAtCommitted().All(p => p >= n - 1),
            Timeout,
            () => $"the failure and a committed checkpoint with both spouts at the end; positions {string.Join(",", SpoutPositionsAtCommitted())} at txid {CommittedTxid()}");
        Assert.Contains("count rollback", Log.Events);
        var counts = Counts("count");
        Assert.True(Same(counts, expected), $"committed counts {Show(counts)} differ from the fault-free counts {Show(expected)}");
    }

    [Fact]
    public void CheckpointableSource_IsToldOfCommittedPositionsOnly_ThroughARollback()
    {
        const int n = 1000;
        var expected = Expected(n);
        Log.FailSentence = 301; // fails once: the checkpoint under way is rolled back and the sources rewound
        var builder = new TopologyBuilder();
        builder.SetSpout("src", new ReplayableSentenceSpout(_key, n, pauseMs: 1), 2);
        builder.SetBolt("split", new SplitBolt(_key), 2).ShuffleGrouping("src");
        builder.SetBolt("count", new StatefulCountBolt(_key), 2).FieldsGrouping("split", new Fields("word"));
        _cluster.SubmitTopology(_name, Conf(maxPending: 100).SetMessageTimeoutSecs(2), builder.CreateTopology());

        // A task that has emitted its last sentence is at n or past it (its next index).
        Await.Until(
            () => Log.FailSentence == -1 && Log.CommittedPositions.GroupBy(c => c.Task).Count(g => g.Max(c => c.Position) >= n - 1) == 2,
            Timeout,
            () => $"the failure and both spout tasks told of a committed position at the end; told {string.Join(",", Log.CommittedPositions.TakeLast(6))}");

        Assert.Contains("count rollback", Log.Events);
        Assert.All(Log.CommittedPositions, c => Assert.True(
            c.Position <= c.CommittedThen,
            $"task {c.Task} was told position {c.Position} is committed when the last committed checkpoint had it at {c.CommittedThen}"));
        Assert.True(Same(Counts("count"), expected), $"committed counts {Show(Counts("count"))} differ from the fault-free counts {Show(expected)}");
    }

    [Fact]
    public void SpoutOptingOutOfCheckpoints_IsNotWrapped_AndItsReadersTakeTheCheckpointSpoutsSteps()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("plain", new OptedOutSentenceSpout());
        builder.SetSpout("replayable", new ReplayableSentenceSpout(_key, 10));
        builder.SetBolt("split", new SplitBolt(), 2).ShuffleGrouping("plain").ShuffleGrouping("replayable");
        builder.SetBolt("count", new StatefulCountBolt(_key), 2).FieldsGrouping("split", new Fields("word"));

        var topology = builder.CreateTopology();

        Assert.StartsWith(typeof(OptedOutSentenceSpout).FullName + ",", topology.ById["plain"].Component.TypeName, StringComparison.Ordinal);
        Assert.StartsWith(typeof(CheckpointingSpout).FullName + ",", topology.ById["replayable"].Component.TypeName, StringComparison.Ordinal);
        var checkpointSources = topology.ById["split"].Inputs
            .Where(i => i.Stream.StreamId == Utils.CheckpointStreamId)
            .Select(i => i.Stream.ComponentId)
            .Order(StringComparer.Ordinal);
        Assert.Equal([Utils.CheckpointComponentId, "replayable"], checkpointSources);
    }

    [Fact]
    public void NonReplayableSource_TopologyKilledMidRunAndRecovered_NoCountIsLowerThanFaultFree()
    {
        const int n = 2000;
        var expected = Expected(n);
        Enqueue(n);
        _cluster.SubmitTopology(_name, Conf(maxPending: 50), WordCount(new QueueSentenceSpout(_key), "count"));
        Await.Until(
            () => Interlocked.Read(ref Log.Emitted) >= 400 && CommittedTxid() >= 1,
            Timeout,
            () => $"400 sentences emitted and a checkpoint committed; have {Interlocked.Read(ref Log.Emitted)} and txid {CommittedTxid()}");
        _cluster.KillTopology(_name);

        _cluster.SubmitTopology(_name, Conf(maxPending: 50), WordCount(new QueueSentenceSpout(_key), "count"));
        Await.Until(
            () => Log.Queue.IsEmpty && Log.InFlight.IsEmpty && Log.Acked.Count == n,
            Timeout,
            () => $"every sentence acked; {Log.Queue.Count} queued, {Log.InFlight.Count} in flight, {Log.Acked.Count} acked");
        Await.Until(() => AtLeast(Counts("count"), expected), Timeout, () => $"counts at least {Show(expected)}, have {Show(Counts("count"))}");
    }

    private StormTopology WordCount(IRichSpout spout, string counter, int spouts = 1)
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("src", spout, spouts);
        builder.SetBolt("split", new SplitBolt(), 2).ShuffleGrouping("src");
        builder.SetBolt(counter, new StatefulCountBolt(_key), 2).FieldsGrouping("split", new Fields("word"));
        return builder.CreateTopology();
    }

    private static Config Conf(int? maxPending = null)
    {
        var conf = new Config().SetCheckpointIntervalMs(100);
        if (maxPending is { } p)
        {
            conf.SetMaxSpoutPending(p);
        }

        return conf;
    }

    private void Enqueue(int n)
    {
        for (var i = 0; i < n; i++)
        {
            Log.Queue.Enqueue(i);
        }
    }

    private Dictionary<string, long> Counts(string bolt) =>
        StateBoard.CommittedCounts(_name, bolt, Log.Tasks.TryGetValue(bolt, out var t) ? Snapshot(t) : []);

    private long CommittedTxid()
    {
        var state = CheckpointSpoutState();
        return state is null ? -1 : long.Parse(state.Split(':')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    private string? CheckpointSpoutState()
    {
        // The checkpoint spout's task id follows the acker's (ids are numbered in component order, "__acker" first).
        for (var task = 1; task <= 4; task++)
        {
            using var store = new InMemoryStateProvider().Open(_name, Utils.CheckpointComponentId + "-" + task, new Dictionary<string, object?>());
            if (store.Load().Committed.TryGetValue("__state", out var s))
            {
                return s.EndsWith(":Committed", StringComparison.Ordinal) ? s : (long.Parse(s.Split(':')[0], System.Globalization.CultureInfo.InvariantCulture) - 1) + ":Committed";
            }
        }

        return null;
    }

    private List<int> SpoutPositionsAtCommitted()
    {
        var txid = CommittedTxid();
        var positions = new List<int>();
        if (!Log.Tasks.TryGetValue("src", out var tasks))
        {
            return [-1];
        }

        foreach (var task in Snapshot(tasks))
        {
            using var store = new InMemoryStateProvider().Open(_name, "src-" + task, new Dictionary<string, object?>());
            positions.Add(store.Load().Committed.TryGetValue("tx/" + txid, out var p) && JsonSerializer.Deserialize<string?>(p) is { } s
                ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture)
                : -1);
        }

        return positions.Count == 0 ? [-1] : positions;
    }

    private static int[] Snapshot(HashSet<int> set)
    {
        lock (set)
        {
            return [.. set];
        }
    }

    private static Dictionary<string, long> Expected(int n)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < n; i++)
        {
            foreach (var w in StateBoard.Sentence(i).Split(' '))
            {
                counts[w] = counts.GetValueOrDefault(w) + 1;
            }
        }

        return counts;
    }

    private static bool Same(Dictionary<string, long> a, Dictionary<string, long> b) => a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private static bool AtLeast(Dictionary<string, long> actual, Dictionary<string, long> expected) =>
        expected.All(kv => actual.TryGetValue(kv.Key, out var v) && v >= kv.Value);

    private static string Show(Dictionary<string, long> counts) => string.Join(" ", counts.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
}
