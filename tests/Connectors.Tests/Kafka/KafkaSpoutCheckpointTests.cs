using System.Text.Json;
using StormSharp.Connectors.Kafka;
using StormSharp.Connectors.Tests.Infrastructure;
using StormSharp.Runtime;
using StormSharp.Topology;
using StormSharp.Topology.State;

namespace StormSharp.Connectors.Tests.Kafka;

/// <summary>
/// The Kafka spout in checkpoints: its position and rewind driven directly, then stateful word counts fed by it in
/// local clusters with faults, whose committed state must equal the fault-free counts exactly.
/// </summary>
public sealed class KafkaSpoutCheckpointTests(KafkaFixture kafka) : IClassFixture<KafkaFixture>
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public void Position_CoversEmittedRecordsOnly_AndASeekBackEmitsExactlyTheRecordsAfterIt()
    {
        var topic = kafka.NewName("position");
        kafka.Produce(topic, 400);
        var end = kafka.EndOffsets(topic);
        using var driver = new SpoutDriver(new KafkaSpout(Builder(topic, kafka.NewName("group")).Build()));
        driver.Spout.Seek(null); // what the checkpoint wrapper does first, on a fresh topology

        driver.RunUntil(() => driver.Emitted.Count >= 50 && driver.Spout.WaitingCount > 0, "50 records emitted and more polled");
        var emitted = driver.Emitted.ToList();
        var position = Offsets(driver.Spout.GetPosition());

        // Every partition has an offset, emitted from or not (a fresh topic's first offset is 0); records polled but
        // waiting to be emitted are not in it.
        Assert.Equal(end.Keys.Order(), position.Keys.Order());
        foreach (var p in end.Keys)
        {
            var next = emitted.Where(e => e.Partition == p).Select(e => e.Offset + 1).DefaultIfEmpty(0).Max();
            Assert.Equal(next, position[p]);
        }

        driver.RunUntil(() => driver.Emitted.Count >= 250, "250 records emitted");
        var before = driver.Emitted.Count;
        driver.Spout.Seek(Position(topic, position));
        var expected = end.Keys.SelectMany(p => Range(position[p], end[p]).Select(o => (p, o))).Order().ToList();
        driver.RunUntil(() => driver.Emitted.Count - before >= expected.Count, $"the {expected.Count} records after the position again");
        driver.RunFor(TimeSpan.FromMilliseconds(300)); // and nothing more

        var again = driver.Emitted.Skip(before).Select(e => (e.Partition, e.Offset)).ToList();
        Assert.Equal(expected, again.Order().ToList());
        foreach (var p in end.Keys)
        {
            var offsets = again.Where(e => e.Partition == p).Select(e => e.Offset).ToList();
            Assert.Equal(offsets.Order().ToList(), offsets); // in offset order, as the first time
        }

        Assert.Equal(end, Offsets(driver.Spout.GetPosition()));
        Assert.Empty(driver.Errors);
    }

    [Fact]
    public void Position_OfAPartitionStartedAtItsEnd_IsAnOffset_SoRewindsReplayWhatCameAfter()
    {
        var topic = kafka.NewName("latest");
        kafka.Produce(topic, 100, valuePrefix: "old-");
        var config = Builder(topic, kafka.NewName("group")).SetFirstPollOffsetStrategy(FirstPollOffsetStrategy.Latest).Build();
        using var driver = new SpoutDriver(new KafkaSpout(config));
        driver.Spout.Seek(null);
        driver.RunUntil(() => driver.Spout.AssignedPartitions.Count == 4, "the four partitions assigned");

        // Nothing emitted yet: the position still names each partition's end, not "the end", which a rewind would
        // take to mean the end as it is then.
        var atAssignment = driver.Spout.GetPosition();
        Assert.Equal(kafka.EndOffsets(topic), Offsets(atAssignment));

        kafka.Produce(topic, 40, valuePrefix: "new-");
        driver.RunUntil(() => driver.Emitted.Count >= 40, "the 40 new records");
        var first = driver.Emitted.Select(e => (e.Partition, e.Offset)).Order().ToList();
        Assert.All(driver.Emitted, e => Assert.StartsWith("new-", e.Value, StringComparison.Ordinal));

        driver.Spout.Seek(atAssignment);
        driver.RunUntil(() => driver.Emitted.Count >= 80, "the 40 new records again after a rewind to the position");
        Assert.Equal(first, driver.Emitted.Skip(40).Select(e => (e.Partition, e.Offset)).Order().ToList());

        // A rewind to no position (the first checkpoint of a fresh topology failed) goes back to where the task started.
        driver.Spout.Seek(null);
        driver.RunUntil(() => driver.Emitted.Count >= 120, "the 40 new records again after a rewind to the start");
        driver.RunFor(TimeSpan.FromMilliseconds(300));
        Assert.Equal(first, driver.Emitted.Skip(80).Select(e => (e.Partition, e.Offset)).Order().ToList());
        Assert.Empty(driver.Errors);
    }

    [Fact]
    public void Commits_InCheckpoints_FollowCommittedCheckpointsNotAcks()
    {
        var topic = kafka.NewName("commits");
        var group = kafka.NewName("group");
        kafka.Produce(topic, 200);
        var end = kafka.EndOffsets(topic);
        using var driver = new SpoutDriver(new KafkaSpout(Builder(topic, group).SetOffsetCommitPeriod(TimeSpan.FromMilliseconds(50)).Build()));
        driver.Spout.Seek(null);
        driver.RunUntil(() => driver.Emitted.Count >= 100, "100 records emitted");
        var half = driver.Spout.GetPosition();
        driver.RunUntil(() => driver.Emitted.Count >= 200, "every record emitted");
        foreach (var e in driver.Emitted)
        {
            driver.Spout.Ack(e.MessageId!);
        }

        // Every record acked, many commit periods: nothing committed, since no checkpoint has.
        driver.RunFor(TimeSpan.FromMilliseconds(400));
        Assert.All(kafka.Committed(topic, group).Values, o => Assert.True(o < 0, $"offset {o} committed before any checkpoint"));

        driver.Spout.CheckpointCommitted(half);
        driver.RunFor(TimeSpan.FromMilliseconds(400));
        Assert.Equal(Offsets(half), kafka.Committed(topic, group));
        Assert.Equal(
            end.Keys.Order().Select(p => end[p] - Offsets(half)[p]),
            KafkaSpoutLag.Of(driver.StormId).Select(l => l.Lag));

        driver.Spout.CheckpointCommitted(driver.Spout.GetPosition());
        driver.RunFor(TimeSpan.FromMilliseconds(400));
        Assert.Equal(end, kafka.Committed(topic, group));
        Assert.All(KafkaSpoutLag.Of(driver.StormId), l => Assert.Equal(0, l.Lag));
    }

    [Fact]
    public void Rewind_OfPartitionsPausedAtMaxUncommittedOffsets_ResumesThem_AndCommittedCheckpointsLetThemGoOn()
    {
        var topic = kafka.NewName("paused");
        kafka.Produce(topic, 1_200);
        var end = kafka.EndOffsets(topic);
        var config = Builder(topic, kafka.NewName("group"))
            .SetMaxUncommittedOffsets(50)
            .SetOffsetCommitPeriod(TimeSpan.FromMilliseconds(50))
            .SetPartitionRefreshPeriod(TimeSpan.FromSeconds(30)) // no metadata request waiting behind an idle fetch
            .Build();
        using var driver = new SpoutDriver(new KafkaSpout(config));
        driver.Spout.Seek(null);
        driver.RunUntil(() => driver.Emitted.Count >= 40, "40 records emitted");
        var early = Offsets(driver.Spout.GetPosition());

        // With no checkpoint committed, nothing is committed: every partition stops once 50 offsets are read past its start.
        driver.RunFor(TimeSpan.FromMilliseconds(600));
        var stuck = driver.Emitted.Count;
        driver.RunFor(TimeSpan.FromMilliseconds(300));
        Assert.Equal(stuck, driver.Emitted.Count);
        Assert.True(stuck < 1_200, $"the partitions paused ({stuck} emitted)");

        // A rewind resumes them: each goes on from its offset in the position, in order and without a gap.
        driver.Spout.Seek(Position(topic, early));
        driver.RunFor(TimeSpan.FromMilliseconds(600));
        var again = driver.Emitted.Skip(stuck).ToList();
        foreach (var p in end.Keys.Where(p => early[p] < end[p]))
        {
            var offsets = again.Where(e => e.Partition == p).Select(e => e.Offset).ToList();
            Assert.True(offsets.Count > 0, $"partition {p} emitted nothing after the rewind");
            Assert.Equal(Range(early[p], early[p] + offsets.Count), offsets);
        }

        // Committed checkpoints move the group's commits, which lets the partitions read on to the end.
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (!Same(Offsets(driver.Spout.GetPosition()), end))
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60), $"the partitions to reach the end; at {driver.Spout.GetPosition()}");
            driver.Spout.CheckpointCommitted(driver.Spout.GetPosition());
            driver.RunFor(TimeSpan.FromMilliseconds(100));
        }

        Assert.Empty(driver.Errors);
    }

    [Theory]
    [InlineData(ProcessingGuarantee.AtLeastOnce, true)]
    [InlineData(ProcessingGuarantee.AtMostOnce, false)]
    [InlineData(ProcessingGuarantee.NoGuarantee, false)]
    public void Builder_TakesTheSpoutIntoCheckpointsOnlyAtLeastOnce(ProcessingGuarantee guarantee, bool checkpointed)
    {
        var config = Builder("words", "group").SetProcessingGuarantee(guarantee).Build();

        var topology = CountTopology(config, "unused");

        var spoutType = topology.ById["kafka"].Component.TypeName;
        var wrapper = typeof(CheckpointingSpout).FullName + ",";
        Assert.Equal(checkpointed, spoutType.StartsWith(wrapper, StringComparison.Ordinal));
        var checkpointSources = topology.ById["split"].Inputs
            .Where(i => i.Stream.StreamId == Utils.CheckpointStreamId)
            .Select(i => i.Stream.ComponentId)
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(checkpointed ? [Utils.CheckpointComponentId, "kafka"] : [Utils.CheckpointComponentId], checkpointSources);
    }

    [Fact]
    public async Task StatefulCount_RecordFailingMidRun_RollsBackAndRewinds_CountsEqualTheFaultFreeCounts()
    {
        const int records = 3_000;
        var (topic, group) = Topic(records);
        var run = CountBoard.Start(kafka.NewName("run"), failRecord: 1_234);
        var name = kafka.NewName("exactly-once");
        var conf = Conf();
        using var cluster = new LocalCluster();
        cluster.SubmitTopology(name, conf, CountTopology(Builder(topic, group).Build(), run.Key));
        try
        {
            await WaitForCommitsAtTheEndAsync(topic, group);
            var counts = Counts(name, conf, run);
            Assert.True(Same(counts, Expected(records)), $"committed counts {Show(counts)} differ from the fault-free counts {Show(Expected(records))}");
            Assert.Equal(-1, run.FailRecord);
            Assert.True(run.Rollbacks > 0, "the failed record rolled the checkpoint under way back");
            Assert.True(run.Seen.Values.Any(n => n > 1), "the rewind emitted some records again");
        }
        finally
        {
            cluster.KillTopology(name, TimeSpan.FromSeconds(10));
            InMemoryStateProvider.Clear(name);
        }
    }

    [Fact]
    public async Task StatefulCount_TopologyKilledMidRunAndSubmittedAgain_ResumesFromTheCheckpoint_CountsEqualTheFaultFreeCounts()
    {
        const int records = 3_000;
        var (topic, group) = Topic(records);
        var dir = Directory.CreateTempSubdirectory("kafka-checkpoint-");
        var name = kafka.NewName("restarted");
        var conf = Conf().SetStateProvider("file").Set("storm.local.dir", dir.FullName);
        try
        {
            var first = CountBoard.Start(kafka.NewName("run"), delayMs: 2);
            using (var cluster = new LocalCluster())
            {
                cluster.SubmitTopology(name, conf, CountTopology(Builder(topic, group).Build(), first.Key));
                try
                {
                    await Wait.UntilAsync(
                        () => first.Seen.Count >= 600 && CommittedTxid(name, conf, first) >= 1,
                        RunTimeout,
                        "600 records and a checkpoint with positions before the kill",
                        () => $"{first.Seen.Count} records, txid {CommittedTxid(name, conf, first)}");
                }
                finally
                {
                    // Every task torn down at once, mid-run; what no checkpoint committed is lost with it.
                    cluster.KillTopology(name, TimeSpan.FromSeconds(10));
                }
            }

            Assert.True(first.Seen.Count < records, $"the topology was killed mid-run ({first.Seen.Count} of {records} records seen)");

            var second = CountBoard.Start(kafka.NewName("run"));
            using (var cluster = new LocalCluster())
            {
                cluster.SubmitTopology(name, conf, CountTopology(Builder(topic, group).Build(), second.Key));
                try
                {
                    await WaitForCommitsAtTheEndAsync(topic, group);
                    var counts = Counts(name, conf, second);
                    Assert.True(Same(counts, Expected(records)), $"committed counts {Show(counts)} differ from the fault-free counts {Show(Expected(records))}");
                }
                finally
                {
                    cluster.KillTopology(name, TimeSpan.FromSeconds(10));
                }
            }

            Assert.True(second.Seen.Count < records, "the second run resumed from the checkpoint, not from the start");
            Assert.True(first.Seen.Keys.Union(second.Seen.Keys).Count() == records);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task GroupCommits_NeverPassTheLastCommittedCheckpoint_ThoughRecordsAreAckedLongBefore()
    {
        const int records = 2_000;
        var (topic, group) = Topic(records);
        var run = CountBoard.Start(kafka.NewName("run"), failRecord: 700, delayMs: 2);
        var name = kafka.NewName("commits");
        var conf = Conf().SetCheckpointIntervalMs(500); // bolts ack at once; checkpoints come every half second
        var end = kafka.EndOffsets(topic);
        using var cluster = new LocalCluster();
        cluster.SubmitTopology(name, conf, CountTopology(Builder(topic, group).SetOffsetCommitPeriod(TimeSpan.FromMilliseconds(50)).Build(), run.Key));
        try
        {
            var midRun = 0;
            var sw = System.Diagnostics.Stopwatch.StartNew();
            while (true)
            {
                // The group's commits first, then the checkpoint: a checkpoint's offsets only grow, so reading it later
                // can only make the check easier to pass, never harder.
                var committed = kafka.Committed(topic, group);
                var covered = CommittedPositions(name, conf, run);
                foreach (var (p, offset) in committed)
                {
                    Assert.True(
                        offset < 0 || offset <= covered.GetValueOrDefault(p, -1),
                        $"partition {p}: the group committed {offset}, past the last committed checkpoint's {covered.GetValueOrDefault(p, -1)}");
                }

                if (committed.Any(kv => kv.Value > 0 && kv.Value < end[kv.Key]))
                {
                    midRun++;
                }

                if (Same(committed, end))
                {
                    break;
                }

                Assert.True(sw.Elapsed < RunTimeout, $"the group's commits to reach the end; committed {string.Join(",", committed)}");
                await Task.Delay(20);
            }

            Assert.True(midRun > 3, $"commits made mid-run were checked ({midRun} times)");
            Assert.True(run.Rollbacks > 0, "the failed record rolled a checkpoint back");
            Assert.True(Same(Counts(name, conf, run), Expected(records)));
        }
        finally
        {
            cluster.KillTopology(name, TimeSpan.FromSeconds(10));
            InMemoryStateProvider.Clear(name);
        }
    }

    [Fact]
    public async Task AtMostOnceSpout_WithAStatefulBolt_StaysAtMostOnce_AFailedRecordIsNeitherReplayedNorRolledBack()
    {
        const int records = 1_000;
        var (topic, group) = Topic(records);
        var run = CountBoard.Start(kafka.NewName("run"), failRecord: 500);
        var name = kafka.NewName("at-most-once");
        var conf = Conf();
        var config = Builder(topic, group).SetProcessingGuarantee(ProcessingGuarantee.AtMostOnce).Build();
        using var cluster = new LocalCluster();
        cluster.SubmitTopology(name, conf, CountTopology(config, run.Key));
        try
        {
            // The failed record's words were counted before it failed, and nothing brings them back or counts them again.
            var expected = Expected(records);
            await Wait.UntilAsync(() => Same(Counts(name, conf, run), expected), RunTimeout, "the fault-free counts", () => Show(Counts(name, conf, run)));
            await WaitForCommitsAtTheEndAsync(topic, group);
            Assert.Equal(-1, run.FailRecord);
            Assert.Equal(0, run.Rollbacks);
            Assert.Equal(records, run.Seen.Count);
            Assert.All(run.Seen, kv => Assert.Equal(1, kv.Value));
        }
        finally
        {
            cluster.KillTopology(name, TimeSpan.FromSeconds(10));
            InMemoryStateProvider.Clear(name);
        }
    }

    internal static string Words(int i) => $"a{i % 7} b{i % 13} c{i % 3}";

    private static Dictionary<string, long> Expected(int records)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < records; i++)
        {
            foreach (var w in Words(i).Split(' '))
            {
                counts[w] = counts.GetValueOrDefault(w) + 1;
            }
        }

        return counts;
    }

    private static Config Conf() => new Config().SetCheckpointIntervalMs(100).SetMaxSpoutPending(200).SetMessageTimeoutSecs(2);

    private static StormTopology CountTopology(KafkaSpoutConfig config, string run)
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("kafka", new KafkaSpout(config), 2);
        builder.SetBolt("split", new RecordSplitBolt(run), 2).ShuffleGrouping("kafka");
        builder.SetBolt("count", new WordCountStateBolt(run), 2).FieldsGrouping("split", new Fields("word"));
        return builder.CreateTopology();
    }

    private static IStateStore Store(string topology, Config conf, string ns) =>
        (conf.TryGetValue(Config.TopologyStateProvider, out var p) && p is "file" ? new FileStateProvider() : (IStateProvider)new InMemoryStateProvider())
            .Open(topology, ns, conf);

    private static Dictionary<string, long> Counts(string topology, Config conf, CountBoard run)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var task in run.Tasks("count"))
        {
            using var store = Store(topology, conf, "count-" + task);
            foreach (var kv in store.Load().Committed)
            {
                counts[JsonSerializer.Deserialize<string>(kv.Key)!] = JsonSerializer.Deserialize<long>(kv.Value);
            }
        }

        return counts;
    }

    /// <summary>The txid of the last checkpoint the checkpoint spout has committed, or -1.</summary>
    private static long CommittedTxid(string topology, Config conf, CountBoard run)
    {
        var tasks = run.Tasks(Utils.CheckpointComponentId);
        if (tasks.Length == 0)
        {
            return -1;
        }

        using var store = Store(topology, conf, Utils.CheckpointComponentId + "-" + tasks[0]);
        if (!store.Load().Committed.TryGetValue("__state", out var state))
        {
            return -1;
        }

        var parts = state.Split(':');
        return long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture) - (parts[1] == "Committed" ? 0 : 1);
    }

    /// <summary>Each partition's offset in the positions the spout's tasks recorded in the last committed checkpoint.</summary>
    private static Dictionary<int, long> CommittedPositions(string topology, Config conf, CountBoard run)
    {
        var result = new Dictionary<int, long>();
        var txid = CommittedTxid(topology, conf, run);
        foreach (var task in run.Tasks("kafka"))
        {
            using var store = Store(topology, conf, "kafka-" + task);
            if (store.Load().Committed.TryGetValue("tx/" + txid, out var stored) && JsonSerializer.Deserialize<string?>(stored) is { } position)
            {
                foreach (var (p, offset) in Offsets(position))
                {
                    result[p] = offset;
                }
            }
        }

        return result;
    }

    /// <summary>The offsets of a one-topic position, by partition.</summary>
    private static Dictionary<int, long> Offsets(string? position) =>
        JsonSerializer.Deserialize<Dictionary<string, Dictionary<int, long>>>(position!)!.Values.SingleOrDefault()?.ToDictionary() ?? [];

    private static string Position(string topic, Dictionary<int, long> offsets) =>
        JsonSerializer.Serialize(new Dictionary<string, Dictionary<int, long>> { [topic] = offsets });

    private static IEnumerable<long> Range(long from, long to)
    {
        for (var o = from; o < to; o++)
        {
            yield return o;
        }
    }

    private static bool Same<TKey>(Dictionary<TKey, long> a, Dictionary<TKey, long> b)
        where TKey : notnull => a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private static string Show(Dictionary<string, long> counts) =>
        string.Join(" ", counts.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));

    private (string Topic, string Group) Topic(int records)
    {
        var topic = kafka.NewName("words");
        kafka.Produce(topic, records, valuePrefix: "s-");
        return (topic, kafka.NewName("group"));
    }

    /// <summary>Waits until the group's commits are the topic's end offsets: with checkpoints, a checkpoint covering every record has committed.</summary>
    private async Task WaitForCommitsAtTheEndAsync(string topic, string group)
    {
        var end = kafka.EndOffsets(topic);
        await Wait.UntilAsync(
            () => Same(kafka.Committed(topic, group), end),
            RunTimeout,
            "the group's commits to reach the end offsets",
            () => $"committed {string.Join(",", kafka.Committed(topic, group))}, end {string.Join(",", end)}");
    }

    private KafkaSpoutConfigBuilder Builder(string topic, string group) =>
        KafkaSpoutConfig.Builder(kafka.Bootstrap, topic)
            .SetGroupId(group)
            .SetOffsetCommitPeriod(TimeSpan.FromMilliseconds(300))
            .SetPartitionRefreshPeriod(TimeSpan.FromMilliseconds(500));
}

/// <summary>What the components of one checkpoint test run saw.</summary>
public sealed class CountBoard
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, CountBoard> Boards = new();

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int[]> _tasks = new();

    private CountBoard(string key, int failRecord, int delayMs)
    {
        Key = key;
        FailRecord = failRecord;
        DelayMs = delayMs;
    }

    public string Key { get; }

    /// <summary>The record the split bolt fails once, after emitting its words; -1 once it has (or for none).</summary>
    public int FailRecord;

    public int DelayMs { get; }

    public int Rollbacks;

    /// <summary>How often the split bolt saw each record.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<int, int> Seen { get; } = new();

    public static CountBoard Start(string key, int failRecord = -1, int delayMs = 0) => Boards[key] = new CountBoard(key, failRecord, delayMs);

    public static CountBoard Of(string key) => Boards[key];

    public int[] Tasks(string component) => _tasks.TryGetValue(component, out var t) ? t : [];

    public void NoteTasks(TopologyContext context)
    {
        foreach (var component in new[] { "kafka", "count", Utils.CheckpointComponentId })
        {
            _tasks[component] = [.. context.GetComponentTasks(component)];
        }
    }
}

/// <summary>Splits record i (value "s-i") into its words, emitted anchored; fails the board's record once, after emitting.</summary>
public sealed class RecordSplitBolt(string run) : BaseRichBolt
{
    [NonSerialized]
    private IOutputCollector? _collector;

    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector)
    {
        _collector = collector;
        CountBoard.Of(run).NoteTasks(context);
    }

    public override void Execute(ITuple input)
    {
        var board = CountBoard.Of(run);
        var i = int.Parse(input.GetStringByField("value")!.AsSpan(2), System.Globalization.CultureInfo.InvariantCulture);
        board.Seen.AddOrUpdate(i, 1, (_, n) => n + 1);
        if (board.DelayMs > 0)
        {
            Thread.Sleep(board.DelayMs);
        }

        foreach (var word in KafkaSpoutCheckpointTests.Words(i).Split(' '))
        {
            _collector!.Emit(input, [word]);
        }

        if (i == board.FailRecord && Interlocked.CompareExchange(ref board.FailRecord, -1, i) == i)
        {
            _collector!.Fail(input);
            return;
        }

        _collector!.Ack(input);
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("word"));
}

/// <summary>Counts words in its checkpointed state.</summary>
public sealed class WordCountStateBolt(string run) : BaseStatefulBolt<KeyValueState<string, long>>
{
    [NonSerialized]
    private IOutputCollector? _collector;
    [NonSerialized]
    private KeyValueState<string, long>? _state;

    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector) => _collector = collector;

    public override void InitState(KeyValueState<string, long> state) => _state = state;

    public override void PreRollback() => Interlocked.Increment(ref CountBoard.Of(run).Rollbacks);

    public override void Execute(ITuple input)
    {
        var word = input.GetStringByField("word")!;
        _state!.Put(word, _state.Get(word, 0) + 1);
        _collector!.Ack(input);
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
    }
}

/// <summary>Runs a spout on the test's thread, with a collector that keeps what it emits.</summary>
internal sealed class SpoutDriver : ISpoutOutputCollector, IDisposable
{
    public SpoutDriver(KafkaSpout spout)
    {
        Spout = spout;
        var builder = new TopologyBuilder();
        builder.SetSpout("kafka", spout);
        StormId = "driver-" + Guid.NewGuid().ToString("N")[..8];
        var context = new TopologyContext(builder.CreateTopology(), StormId, new Dictionary<int, string> { [1] = "kafka" }, 1, [1], 0);
        spout.Open(new Dictionary<string, object?>(StringComparer.Ordinal), context, this);
    }

    public KafkaSpout Spout { get; }

    public string StormId { get; }

    public List<(int Partition, long Offset, string? Value, object? MessageId)> Emitted { get; } = [];

    public List<Exception> Errors { get; } = [];

    public int PendingCount => 0;

    public void RunUntil(Func<bool> condition, string what)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"waited 60 s for {what}; {Emitted.Count} emitted, errors: {string.Join("; ", Errors.Select(e => e.Message))}");
            }

            Spout.NextTuple();
        }
    }

    public void RunFor(TimeSpan time)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (sw.Elapsed < time)
        {
            Spout.NextTuple();
        }
    }

    public IReadOnlyList<int> Emit(string streamId, IReadOnlyList<object?> tuple, object? messageId)
    {
        Emitted.Add(((int)tuple[1]!, (long)tuple[2]!, (string?)tuple[4], messageId));
        return [];
    }

    public IReadOnlyList<int> Emit(IReadOnlyList<object?> tuple, object? messageId) => Emit(Utils.DefaultStreamId, tuple, messageId);

    public IReadOnlyList<int> Emit(IReadOnlyList<object?> tuple) => Emit(Utils.DefaultStreamId, tuple, null);

    public void EmitDirect(int taskId, string streamId, IReadOnlyList<object?> tuple, object? messageId) => throw new NotSupportedException();

    public void EmitDirect(int taskId, IReadOnlyList<object?> tuple, object? messageId) => throw new NotSupportedException();

    public void ReportError(Exception error) => Errors.Add(error);

    public void Dispose() => Spout.Close();
}
