using System.Diagnostics;
using StormSharp.Connectors.Kafka;
using StormSharp.Connectors.Tests.Infrastructure;
using StormSharp.Runtime;
using StormSharp.Topology;

namespace StormSharp.Connectors.Tests.Kafka;

public sealed class KafkaSpoutTests(KafkaFixture kafka) : IClassFixture<KafkaFixture>
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Spout_100kRecordsOver4PartitionsAnd2Tasks_EmitsAndAcksEveryRecordAndCommitsTheEnd()
    {
        var topic = kafka.NewName("all");
        var group = kafka.NewName("group");
        const int records = 100_000; // about 1.3 MB a partition: well inside the mock broker's 5 MB
        kafka.Produce(topic, records);
        var config = Builder(topic, group).Build();

        var run = await RunAsync(config, records, failPercent: 0, tasks: 2);

        Assert.Equal(records, run.Deliveries.Distinct);
        Assert.Equal(records, run.Deliveries.Total);
        Assert.Equal(4, run.Deliveries.TasksByPartition.Count);
        Assert.All(run.Deliveries.TasksByPartition.Values, tasks => Assert.Single(tasks));
        var partitionsPerTask = run.Deliveries.TasksByPartition.GroupBy(kv => kv.Value.Keys.Single()).Select(g => g.Count()).ToList();
        Assert.Equal([2, 2], partitionsPerTask);
        Assert.Equal(kafka.EndOffsets(topic), run.Committed);
        Assert.All(run.Lag, l => Assert.Equal(0, l.Lag));
    }

    [Fact]
    public async Task Spout_BoltFailing10Percent_RetriesWithBackoffUntilEveryRecordIsAckedAndCommitted()
    {
        var topic = kafka.NewName("fail");
        var group = kafka.NewName("group");
        const int records = 5_000;
        kafka.Produce(topic, records);
        var retry = new KafkaSpoutRetryExponentialBackoff(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(20), int.MaxValue, TimeSpan.FromMilliseconds(500));
        var config = Builder(topic, group).SetRetry(retry).Build();

        var run = await RunAsync(config, records, failPercent: 10, tasks: 2, untilAcked: true);

        Assert.Equal(records, run.Deliveries.Distinct);
        Assert.True(run.Deliveries.Total > records, "some tuples were failed and emitted again");
        Assert.All(run.Deliveries.ByRecord, kv => Assert.True(kv.Value.Any(d => d.Acked), $"record {kv.Key} was never acked"));

        // Each retry waits at least its backoff since the failure before it (the failure is recorded just before the fail).
        var retried = 0;
        foreach (var (record, deliveries) in run.Deliveries.ByRecord)
        {
            var list = deliveries.ToArray();
            for (var i = 1; i < list.Length; i++)
            {
                var gap = Stopwatch.GetElapsedTime(list[i - 1].At, list[i].At);
                var least = retry.DelayFor(i) - TimeSpan.FromMilliseconds(2);
                Assert.True(gap >= least, $"record {record}: retry {i} came {gap.TotalMilliseconds:F1} ms after its failure, before its {least.TotalMilliseconds} ms backoff");
                retried++;
            }
        }

        Assert.True(retried > records / 20, $"only {retried} retries seen");
        Assert.Equal(kafka.EndOffsets(topic), run.Committed);
    }

    [Fact]
    public async Task Spout_TuplesNeverAcked_TimeOutAndAreEmittedAgainUntilCommitted()
    {
        var topic = kafka.NewName("timeout");
        var group = kafka.NewName("group");
        const int records = 2_000;
        kafka.Produce(topic, records);
        var config = Builder(topic, group).Build();
        var conf = TopologyConf();
        conf[Config.TopologyMessageTimeoutSecs] = 1;

        var run = await RunAsync(config, records, failPercent: 0, tasks: 2, untilAcked: true, dropFirstPercent: 5, conf: conf);

        var timedOut = run.Deliveries.ByRecord.Values.Count(d => !d.First().Acked);
        Assert.True(timedOut > 0, "some first deliveries were dropped");
        Assert.All(run.Deliveries.ByRecord, kv => Assert.True(kv.Value.Any(d => d.Acked), $"record {kv.Key} was never acked"));
        Assert.Equal(kafka.EndOffsets(topic), run.Committed);
    }

    [Fact]
    public async Task Spout_RecordFailingPastMaxRetries_IsDroppedAndThePartitionKeepsCommitting()
    {
        var topic = kafka.NewName("exhausted");
        var group = kafka.NewName("group");
        const int records = 200;
        kafka.Produce(topic, records);
        var retry = new KafkaSpoutRetryExponentialBackoff(TimeSpan.Zero, TimeSpan.FromMilliseconds(1), 2, TimeSpan.FromMilliseconds(5));
        var config = Builder(topic, group).SetRetry(retry).Build();

        var run = await RunAsync(config, records, failPercent: 100, tasks: 1);

        Assert.All(run.Deliveries.ByRecord.Values, d => Assert.Equal(3, d.Count));
        Assert.Equal(kafka.EndOffsets(topic), run.Committed);
    }

    [Fact]
    public async Task Spout_KilledMidRunAndRestarted_ResumesFromItsCommitsAndLosesNothing()
    {
        var topic = kafka.NewName("restart");
        var group = kafka.NewName("group");
        const int records = 20_000;
        kafka.Produce(topic, records);
        var config = Builder(topic, group).Build();
        var runId = kafka.NewName("run");
        var deliveries = RecordingBolt.Runs[runId] = new Deliveries(records / 4);
        var name = kafka.NewName("restart-topology");
        using (var cluster = new LocalCluster())
        {
            cluster.SubmitTopology(name, TopologyConf(), Topology(config, runId, 0, 2));
            try
            {
                await Wait.ForAsync(deliveries.AllDistinct.ContinueWith(_ => true), RunTimeout, "a quarter of the records before the kill");
                await Wait.UntilAsync(() => kafka.Committed(topic, group).Values.Any(o => o > 0), RunTimeout, "a first commit before the kill");
            }
            finally
            {
                cluster.KillTopology(name, TimeSpan.FromSeconds(10));
            }
        }

        var committedAtKill = kafka.Committed(topic, group);
        var firstRun = deliveries.ByRecord.Keys.ToHashSet();
        deliveries.ExpectDistinct = records;
        var second = RecordingBolt.Runs[runId] = new Deliveries(records);
        using (var cluster = new LocalCluster())
        {
            cluster.SubmitTopology(name, TopologyConf(), Topology(config, runId, 0, 2));
            try
            {
                await Wait.UntilAsync(
                    () => firstRun.Union(second.ByRecord.Keys).Count() == records,
                    RunTimeout,
                    "every record across both runs",
                    () => $"{firstRun.Count} in the first run, {second.Distinct} in the second");
                var end = kafka.EndOffsets(topic);
                await Wait.UntilAsync(() => Same(kafka.Committed(topic, group), end), RunTimeout, "commits to reach the end offsets");
            }
            finally
            {
                cluster.KillTopology(name, TimeSpan.FromSeconds(10));
            }
        }

        Assert.All(second.ByRecord.Keys, k => Assert.True(
            k.Offset >= Math.Max(0, committedAtKill[k.Partition]),
            $"record {k} was read again below the committed offset {committedAtKill[k.Partition]}"));
        Assert.True(second.Distinct < records, "the restarted spout resumed from the commits, not from the start");
    }

    [Fact]
    public async Task Strategies_WithAndWithoutCommits_StartWhereDocumented()
    {
        var topic = kafka.NewName("strategy");
        kafka.Produce(topic, 400);
        var committedGroup = kafka.NewName("group");
        var half = kafka.EndOffsets(topic).ToDictionary(kv => kv.Key, kv => kv.Value / 2);
        kafka.Commit(topic, committedGroup, half);
        var total = half.Values.Sum() * 2;
        var end = kafka.EndOffsets(topic);
        var fromCommit = end.Values.Sum() - half.Values.Sum();

        // UNCOMMITTED_EARLIEST: from the commits when there are some, else from the start.
        var a = await RunAsync(Builder(topic, committedGroup).Build(), (int)fromCommit, 0, 1);
        Assert.Equal(fromCommit, a.Deliveries.Distinct);
        Assert.All(a.Deliveries.ByRecord.Keys, k => Assert.True(k.Offset >= half[k.Partition]));
        var b = await RunAsync(Builder(topic, kafka.NewName("group")).Build(), (int)end.Values.Sum(), 0, 1);
        Assert.Equal(end.Values.Sum(), b.Deliveries.Distinct);

        // EARLIEST: from the start whatever the group committed before.
        var earliestGroup = kafka.NewName("group");
        kafka.Commit(topic, earliestGroup, half);
        var c = await RunAsync(Builder(topic, earliestGroup).SetFirstPollOffsetStrategy(FirstPollOffsetStrategy.Earliest).Build(), (int)end.Values.Sum(), 0, 1);
        Assert.Equal(end.Values.Sum(), c.Deliveries.Distinct);

        // UNCOMMITTED_LATEST with commits: from the commits.
        var latestGroup = kafka.NewName("group");
        kafka.Commit(topic, latestGroup, half);
        var d = await RunAsync(Builder(topic, latestGroup).SetFirstPollOffsetStrategy(FirstPollOffsetStrategy.UncommittedLatest).Build(), (int)fromCommit, 0, 1);
        Assert.Equal(fromCommit, d.Deliveries.Distinct);
        Assert.All(d.Deliveries.ByRecord.Keys, k => Assert.True(k.Offset >= half[k.Partition]));
        Assert.True(total > 0);
    }

    [Theory]
    [InlineData(FirstPollOffsetStrategy.Latest, true)]
    [InlineData(FirstPollOffsetStrategy.UncommittedLatest, false)]
    public async Task LatestStrategies_IgnoreOldRecords_ReadOnlyRecordsProducedAfterAssignment(FirstPollOffsetStrategy strategy, bool withCommits)
    {
        var topic = kafka.NewName("latest");
        kafka.Produce(topic, 200, valuePrefix: "old-");
        var group = kafka.NewName("group");
        if (withCommits)
        {
            kafka.Commit(topic, group, kafka.EndOffsets(topic).ToDictionary(kv => kv.Key, _ => 0L));
        }

        var config = Builder(topic, group).SetFirstPollOffsetStrategy(strategy).Build();
        var runId = kafka.NewName("run");
        var deliveries = RecordingBolt.Runs[runId] = new Deliveries(20);
        var name = kafka.NewName("latest-topology");
        using var cluster = new LocalCluster();
        cluster.SubmitTopology(name, TopologyConf(), Topology(config, runId, 0, 1));
        try
        {
            // The spout's assignment gives no signal outside it, so new records keep coming until some arrive.
            using var cts = new CancellationTokenSource(RunTimeout);
            var i = 0;
            while (deliveries.Distinct < 20)
            {
                kafka.Produce(topic, 4, first: i, valuePrefix: "new-");
                i += 4;
                await Task.WhenAny(deliveries.AllDistinct, Task.Delay(100, cts.Token));
                cts.Token.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            cluster.KillTopology(name, TimeSpan.FromSeconds(10));
        }

        Assert.All(deliveries.ByRecord.Values, d => Assert.StartsWith("new-", d.First().Value, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(ProcessingGuarantee.AtMostOnce)]
    [InlineData(ProcessingGuarantee.NoGuarantee)]
    public async Task Guarantees_WithoutTracking_EmitEachRecordOnceEvenWhenEveryTupleFailsAndCommitTheEnd(ProcessingGuarantee guarantee)
    {
        var topic = kafka.NewName("guarantee");
        var group = kafka.NewName("group");
        const int records = 2_000;
        kafka.Produce(topic, records);
        var config = Builder(topic, group).SetProcessingGuarantee(guarantee).Build();

        var run = await RunAsync(config, records, failPercent: 100, tasks: 2);

        Assert.Equal(records, run.Deliveries.Distinct);
        Assert.Equal(records, run.Deliveries.Total);
        Assert.Equal(kafka.EndOffsets(topic), run.Committed);
    }

    [Fact]
    public void Builder_BadValues_NameTheProblem()
    {
        Assert.Contains("bootstrap", Assert.Throws<ArgumentException>(() => KafkaSpoutConfig.Builder(" ", "t")).Message, StringComparison.Ordinal);
        Assert.Contains("topic", Assert.Throws<ArgumentException>(() => KafkaSpoutConfig.Builder("h:1")).Message, StringComparison.Ordinal);
        Assert.Contains("max uncommitted", Assert.Throws<ArgumentOutOfRangeException>(() => KafkaSpoutConfig.Builder("h:1", "t").SetMaxUncommittedOffsets(0)).Message, StringComparison.Ordinal);
        Assert.Contains("commit period", Assert.Throws<ArgumentOutOfRangeException>(() => KafkaSpoutConfig.Builder("h:1", "t").SetOffsetCommitPeriod(TimeSpan.Zero)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Backoff_DoublesEachRetryUpToTheMaximum()
    {
        var b = new KafkaSpoutRetryExponentialBackoff(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(5), 3, TimeSpan.FromMilliseconds(30));
        Assert.Equal(TimeSpan.FromMilliseconds(15), b.DelayFor(1));
        Assert.Equal(TimeSpan.FromMilliseconds(20), b.DelayFor(2));
        Assert.Equal(TimeSpan.FromMilliseconds(30), b.DelayFor(3));
        Assert.Equal(TimeSpan.FromMilliseconds(30), b.DelayFor(10));
        Assert.True(b.MayRetry(3));
        Assert.False(b.MayRetry(4));
    }

    internal static Dictionary<string, object?> TopologyConf() => new(StringComparer.Ordinal)
    {
        [Config.TopologyMaxSpoutPending] = 2_000,
        [Config.TopologyMessageTimeoutSecs] = 30,
    };

    private static bool Same(Dictionary<int, long> a, Dictionary<int, long> b) => a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private KafkaSpoutConfigBuilder Builder(string topic, string group) =>
        KafkaSpoutConfig.Builder(kafka.Bootstrap, topic)
            .SetGroupId(group)
            .SetOffsetCommitPeriod(TimeSpan.FromMilliseconds(300))
            .SetPartitionRefreshPeriod(TimeSpan.FromMilliseconds(500));

    private static StormTopology Topology(KafkaSpoutConfig config, string runId, int failPercent, int tasks, int dropFirstPercent = 0)
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("kafka", new KafkaSpout(config), tasks);
        builder.SetBolt("record", new RecordingBolt(runId, failPercent, dropFirstPercent), 2).ShuffleGrouping("kafka");
        return builder.CreateTopology();
    }

    private async Task<(Deliveries Deliveries, Dictionary<int, long> Committed, IReadOnlyList<PartitionLag> Lag)> RunAsync(
        KafkaSpoutConfig config, int expect, int failPercent, int tasks, bool untilAcked = false, int dropFirstPercent = 0,
        Dictionary<string, object?>? conf = null)
    {
        var runId = kafka.NewName("run");
        var deliveries = RecordingBolt.Runs[runId] = new Deliveries(expect);
        var name = kafka.NewName("topology");
        var topic = config.Topics[0];
        using var cluster = new LocalCluster();
        var id = cluster.SubmitTopology(name, conf ?? TopologyConf(), Topology(config, runId, failPercent, tasks, dropFirstPercent));
        try
        {
            await Wait.ForAsync(deliveries.AllDistinct.ContinueWith(_ => true), RunTimeout, $"{expect} distinct records", () => $"{deliveries.Distinct} seen");
            if (untilAcked)
            {
                await Wait.UntilAsync(
                    () => deliveries.ByRecord.Values.All(d => d.Any(x => x.Acked)),
                    RunTimeout,
                    "every record to be acked once",
                    () => $"{deliveries.ByRecord.Values.Count(d => !d.Any(x => x.Acked))} never acked");
            }

            var end = kafka.EndOffsets(topic);
            await Wait.UntilAsync(() => Same(kafka.Committed(topic, config.GroupId), end), RunTimeout, "commits to reach the end offsets",
                () => "committed " + string.Join(",", kafka.Committed(topic, config.GroupId)) + " end " + string.Join(",", end));
            await Wait.UntilAsync(() => KafkaSpoutLag.Of(id).Count == 4 && KafkaSpoutLag.Of(id).All(l => l.Lag == 0), TimeSpan.FromSeconds(30), "lag 0 on every partition",
                () => string.Join("; ", KafkaSpoutLag.Of(id)));
            return (deliveries, kafka.Committed(topic, config.GroupId), KafkaSpoutLag.Of(id));
        }
        finally
        {
            cluster.KillTopology(name, TimeSpan.FromSeconds(10));
        }
    }
}
