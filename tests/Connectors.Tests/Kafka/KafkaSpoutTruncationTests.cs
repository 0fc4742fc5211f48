using System.Collections.Concurrent;
using StormSharp.Connectors.Kafka;
using StormSharp.Connectors.Tests.Infrastructure;
using StormSharp.Runtime;
using StormSharp.Runtime.Stats;
using StormSharp.Topology;

namespace StormSharp.Connectors.Tests.Kafka;

/// <summary>
/// The broker drops a partition's oldest records (retention; the embedded broker keeps about 5 MB of each partition)
/// while the spout has not read them yet. The spout must say how many it lost, go on from the first record the broker
/// still has, and commit past the gap.
/// </summary>
public sealed class KafkaSpoutTruncationTests(KafkaFixture kafka) : IClassFixture<KafkaFixture>
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(120);

    // 1,000 records of 10 kB on one partition: twice what the broker keeps.
    private const int Records = 1_000;
    private const int ValueBytes = 10_000;

    [Theory]
    [InlineData(FirstPollOffsetStrategy.UncommittedEarliest)]
    [InlineData(FirstPollOffsetStrategy.UncommittedLatest)]
    public async Task Spout_CommittedOffsetTheBrokerNoLongerHas_ReportsTheLostOffsetsEmitsTheRestAndCommitsTheEnd(FirstPollOffsetStrategy strategy)
    {
        var topic = kafka.NewName("truncated-commit");
        var group = kafka.NewName("group");
        kafka.ProduceTo(topic, 0, Records, ValueBytes);
        var (low, high) = kafka.Watermarks(topic, 0);
        const long committed = 10;
        Assert.True(low > committed, $"the broker was to drop the records from offset {committed}; its first offset is {low}");
        kafka.Commit(topic, group, new Dictionary<int, long> { [0] = committed });
        var config = Builder(topic, group).SetFirstPollOffsetStrategy(strategy).Build();
        var runId = kafka.NewName("run");
        var deliveries = RecordingBolt.Runs[runId] = new Deliveries((int)(high - low));
        var name = kafka.NewName("topology");
        IReadOnlyList<ErrorInfo> errors;
        using (var cluster = new LocalCluster())
        {
            cluster.SubmitTopology(name, KafkaSpoutTests.TopologyConf(), Topology(config, new RecordingBolt(runId)));
            try
            {
                await Wait.ForAsync(deliveries.AllDistinct.ContinueWith(_ => true), RunTimeout,
                    $"the {high - low} records the broker still has", () => $"{deliveries.Distinct} seen");
                await Wait.UntilAsync(() => kafka.Committed(topic, group)[0] == high, RunTimeout, $"the commit of partition 0 to reach {high}",
                    () => $"committed {kafka.Committed(topic, group)[0]}");
                errors = cluster.GetTopologyInfo(name).Component("kafka").Errors;
            }
            finally
            {
                cluster.KillTopology(name, TimeSpan.FromSeconds(10));
            }
        }

        Assert.Equal(Range(low, high), deliveries.ByRecord.Keys.Select(k => k.Offset).Order());
        var lost = Assert.Single(errors, e => e.Message.Contains("lost", StringComparison.Ordinal));
        Assert.Contains($"{topic}-0", lost.Message, StringComparison.Ordinal);
        Assert.Contains($"{low - committed} records", lost.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Spout_BrokerDropsRecordsWhileAFailingRecordHoldsThePartitionPaused_RetriesItFromMemoryThenReportsTheGapAndCommitsTheEnd()
    {
        var (topic, group, config, bolt, deliveries, gate, name) = PausedByAFailingRecord("truncated-midway");
        long low, high, readBefore;
        IReadOnlyList<ErrorInfo> errors;
        using (var cluster = new LocalCluster())
        {
            cluster.SubmitTopology(name, KafkaSpoutTests.TopologyConf(), Topology(config, bolt));
            try
            {
                await Wait.UntilAsync(() => deliveries.ByRecord.TryGetValue((0, 5), out var d) && d.Count >= 3, RunTimeout,
                    "offset 5 to fail three times");
                kafka.ProduceTo(topic, 0, Records, ValueBytes, first: 200);
                (low, high) = kafka.Watermarks(topic, 0);
                readBefore = deliveries.ByRecord.Keys.Max(k => k.Offset) + 1;
                Assert.True(low > readBefore, $"the broker was to drop records the spout had not read (read up to {readBefore}); its first offset is {low}");
                Assert.True(low > 5, "the broker was to drop the failing record too");

                gate.Set();
                await Wait.UntilAsync(() => deliveries.ByRecord.Keys.Count(k => k.Offset >= low) == high - low, RunTimeout,
                    $"the {high - low} records the broker still has", () => $"{deliveries.ByRecord.Keys.Count(k => k.Offset >= low)} seen");
                await Wait.UntilAsync(() => kafka.Committed(topic, group)[0] == high, RunTimeout, $"the commit of partition 0 to reach {high}",
                    () => $"committed {kafka.Committed(topic, group)[0]}");
                errors = cluster.GetTopologyInfo(name).Component("kafka").Errors;
            }
            finally
            {
                gate.Set();
                cluster.KillTopology(name, TimeSpan.FromSeconds(10));
            }
        }

        Assert.Equal(Range(0, readBefore).Concat(Range(low, high)), deliveries.ByRecord.Keys.Select(k => k.Offset).Order());
        Assert.Contains(deliveries.ByRecord[(0, 5)], d => d.Acked);
        var lost = Assert.Single(errors, e => e.Message.Contains("lost", StringComparison.Ordinal));
        Assert.Contains($"{topic}-0", lost.Message, StringComparison.Ordinal);
        Assert.Contains($"{low - readBefore} records", lost.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Spout_FallsBehindTheBrokersRetentionWhileRecordsKeepComing_GoesOnFromTheBrokersFirstOffsetWithoutWaitingForTheProducerToStop()
    {
        // As above, a failing record pauses the partition; this time the producer does not stop. Once the spout resumes,
        // its position is out of range, and each time the Kafka client resets it to the first offset the broker last
        // reported, the broker has dropped that one too by the client's next fetch: unless the spout moves ahead into
        // what the broker has, nothing more is read until the producer stops.
        var (topic, _, config, bolt, deliveries, gate, name) = PausedByAFailingRecord("truncated-live");
        using var stopProducing = new CancellationTokenSource();
        var produced = 200;
        var producer = Task.CompletedTask;
        IReadOnlyList<ErrorInfo> errors;
        long readBefore, lowAtGate;
        using (var cluster = new LocalCluster())
        {
            cluster.SubmitTopology(name, KafkaSpoutTests.TopologyConf(), Topology(config, bolt));
            try
            {
                await Wait.UntilAsync(() => deliveries.ByRecord.TryGetValue((0, 5), out var d) && d.Count >= 3, RunTimeout,
                    "offset 5 to fail three times");
                readBefore = deliveries.ByRecord.Keys.Max(k => k.Offset) + 1;
                producer = Task.Run(() =>
                {
                    // About 2 MB/s: the broker keeps the last two or three seconds.
                    while (!stopProducing.IsCancellationRequested)
                    {
                        kafka.ProduceTo(topic, 0, 20, ValueBytes, first: produced);
                        produced += 20;
                        Thread.Sleep(100);
                    }
                });
                await Wait.UntilAsync(() => kafka.Watermarks(topic, 0).Low > readBefore + 200, RunTimeout,
                    "the broker to drop records the spout has not read", () => $"first offset {kafka.Watermarks(topic, 0).Low}, read up to {readBefore}");
                lowAtGate = kafka.Watermarks(topic, 0).Low;

                gate.Set();
                await Wait.UntilAsync(() => deliveries.ByRecord.Keys.Any(k => k.Offset >= lowAtGate), TimeSpan.FromSeconds(20),
                    $"a record at or past offset {lowAtGate} (the broker's first when the spout resumed) while the producer goes on",
                    () => $"highest read {deliveries.ByRecord.Keys.Max(k => k.Offset)}, broker's first now {kafka.Watermarks(topic, 0).Low}, produced {Volatile.Read(ref produced)}");
                Assert.False(producer.IsCompleted, "the producer was to keep going while the spout caught up");
                errors = cluster.GetTopologyInfo(name).Component("kafka").Errors;
            }
            finally
            {
                stopProducing.Cancel();
                gate.Set();
                await producer.WaitAsync(RunTimeout);
                cluster.KillTopology(name, TimeSpan.FromSeconds(10));
            }
        }

        Assert.Contains(deliveries.ByRecord[(0, 5)], d => d.Acked);

        // The first gap starts after the last record read before the pause (the spout polls a few past the 50 it may hold).
        var lastBefore = deliveries.ByRecord.Keys.Where(k => k.Offset < lowAtGate).Max(k => k.Offset);
        Assert.True(lastBefore >= readBefore - 1, $"read up to {lastBefore} before the gap, {readBefore - 1} before the producer started");
        Assert.Contains(errors, e => e.Message.Contains("lost", StringComparison.Ordinal)
            && e.Message.Contains($"{topic}-0: the broker dropped offsets {lastBefore + 1} to ", StringComparison.Ordinal));
    }

    /// <summary>
    /// 200 records of 10 kB on partition 0, and a spout whose partition stays paused: offset 5 fails until the run's gate
    /// opens, so the commit stays at 5 and, past 50 uncommitted offsets, the spout pauses the partition; what is produced
    /// meanwhile is not fetched, and the broker drops the start of it.
    /// </summary>
    private (string Topic, string Group, KafkaSpoutConfig Config, GatedFailingBolt Bolt, Deliveries Deliveries, ManualResetEventSlim Gate, string Name) PausedByAFailingRecord(string prefix)
    {
        var topic = kafka.NewName(prefix);
        var group = kafka.NewName("group");
        kafka.ProduceTo(topic, 0, 200, ValueBytes);
        var config = Builder(topic, group)
            .SetMaxUncommittedOffsets(50)
            .SetRetry(new KafkaSpoutRetryExponentialBackoff(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10), int.MaxValue, TimeSpan.FromMilliseconds(50)))
            .Build();
        var runId = kafka.NewName("run");
        var deliveries = RecordingBolt.Runs[runId] = new Deliveries(int.MaxValue);
        var gate = GatedFailingBolt.Gates[runId] = new ManualResetEventSlim();
        return (topic, group, config, new GatedFailingBolt(runId, failOffset: 5), deliveries, gate, kafka.NewName("topology"));
    }

    private static IEnumerable<long> Range(long from, long to)
    {
        for (var o = from; o < to; o++)
        {
            yield return o;
        }
    }

    private KafkaSpoutConfigBuilder Builder(string topic, string group) =>
        KafkaSpoutConfig.Builder(kafka.Bootstrap, topic)
            .SetGroupId(group)
            .SetOffsetCommitPeriod(TimeSpan.FromMilliseconds(300))
            .SetPartitionRefreshPeriod(TimeSpan.FromMilliseconds(500));

    private static StormTopology Topology(KafkaSpoutConfig config, IRichBolt bolt)
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("kafka", new KafkaSpout(config), 1);
        builder.SetBolt("record", bolt, 1).ShuffleGrouping("kafka");
        return builder.CreateTopology();
    }
}

/// <summary>Records every tuple like <see cref="RecordingBolt"/>, failing one offset of partition 0 until its run's gate opens.</summary>
public sealed class GatedFailingBolt(string run, long failOffset) : BaseRichBolt
{
    public static readonly ConcurrentDictionary<string, ManualResetEventSlim> Gates = new();

    [NonSerialized]
    private IOutputCollector? _collector;

    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector) => _collector = collector;

    public override void Execute(ITuple input)
    {
        var partition = input.GetIntegerByField("partition");
        var offset = input.GetLongByField("offset");
        var fail = partition == 0 && offset == failOffset && !Gates[run].IsSet;
        RecordingBolt.Runs[run].Record(partition, offset, null, input.SourceTask, !fail);
        if (fail)
        {
            _collector!.Fail(input);
        }
        else
        {
            _collector!.Ack(input);
        }
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
    }
}
