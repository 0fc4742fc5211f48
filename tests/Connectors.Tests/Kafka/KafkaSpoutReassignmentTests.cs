using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using StormSharp.Connectors.Kafka;
using StormSharp.Connectors.Tests.Infrastructure;
using StormSharp.Runtime;
using StormSharp.Topology;

namespace StormSharp.Connectors.Tests.Kafka;

/// <summary>
/// Storm's most reported Kafka spout bug is a spout that stalls after a partition reassignment. Here partitions move
/// between the spout's tasks while records are in flight and some fail: a topic that sorts first appears under the
/// spout's pattern, so every partition of the first topic changes task.
/// </summary>
public sealed class KafkaSpoutReassignmentTests(KafkaFixture kafka) : IClassFixture<KafkaFixture>
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Spout_PartitionsMoveBetweenTasksMidRunWithFailures_EveryRecordArrivesAndCommitsReachTheEnd()
    {
        var prefix = kafka.NewName("moving");
        var later = prefix + "-b";
        var first = prefix + "-a";
        var group = kafka.NewName("group");
        kafka.Produce(later, 3_000, valuePrefix: "b-");
        var run = kafka.NewName("run");
        var seen = TopicRecordingBolt.Runs[run] = new ConcurrentDictionary<(string Topic, int Partition, long Offset), ConcurrentDictionary<int, byte>>();
        var config = KafkaSpoutConfig.Builder(kafka.Bootstrap, new Regex(Regex.Escape(prefix) + "-.*"))
            .SetGroupId(group)
            .SetOffsetCommitPeriod(TimeSpan.FromMilliseconds(300))
            .SetPartitionRefreshPeriod(TimeSpan.FromMilliseconds(500))
            .SetRetry(new KafkaSpoutRetryExponentialBackoff(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(20), int.MaxValue, TimeSpan.FromMilliseconds(500)))
            .Build();
        var builder = new TopologyBuilder();
        builder.SetSpout("kafka", new KafkaSpout(config), 3);
        builder.SetBolt("record", new TopicRecordingBolt(run, failPercent: 5), 2).ShuffleGrouping("kafka");
        var name = kafka.NewName("topology");
        using var cluster = new LocalCluster();
        cluster.SubmitTopology(name, KafkaSpoutTests.TopologyConf(), builder.CreateTopology());
        try
        {
            await Wait.UntilAsync(() => seen.Count >= 1_000, RunTimeout, "a first thousand records of the first topic");
            var before = OwnerOf(seen, later);

            // Four partitions (the broker creates the topic on first produce) sort ahead of the four already read; over
            // three tasks, every one of those four goes to another task.
            kafka.Produce(first, 1_500, valuePrefix: "a-");

            // Each task has taken its new partitions once it emits from the new topic; what is written after that is
            // read by the partitions' new owners.
            await Wait.UntilAsync(
                () => seen.Where(kv => kv.Key.Topic == first).SelectMany(kv => kv.Value.Keys).Distinct().Count() == 3,
                RunTimeout,
                "every spout task to read the new topic");
            kafka.Produce(later, 1_500, first: 3_000, valuePrefix: "b-");
            const int total = 6_000;
            await Wait.UntilAsync(() => seen.Count == total, RunTimeout, $"all {total} records", () => $"{seen.Count} seen");

            var ends = new Dictionary<(string, int), long>();
            foreach (var (topic, partitions) in new[] { (first, 4), (later, 4) })
            {
                using var consumer = kafka.NewConsumer(group);
                for (var p = 0; p < partitions; p++)
                {
                    ends[(topic, p)] = consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value;
                }
            }

            await Wait.UntilAsync(
                () => ends.All(kv => Committed(group, kv.Key.Item1, kv.Key.Item2) == kv.Value),
                RunTimeout,
                "the group's commits to reach the end of all eight partitions",
                () => string.Join(", ", ends.Select(kv => $"{kv.Key.Item1}-{kv.Key.Item2}: {Committed(group, kv.Key.Item1, kv.Key.Item2)}/{kv.Value}")));

            Assert.Equal(ends.Values.Sum(), seen.Count);
            var after = OwnerOf(seen, later, onlyLast: true);
            Assert.All(before, kv => Assert.NotEqual(kv.Value, after[kv.Key]));
        }
        finally
        {
            cluster.KillTopology(name, TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>The spout task that emitted each partition's first (or last) records seen.</summary>
    private static Dictionary<int, int> OwnerOf(ConcurrentDictionary<(string Topic, int Partition, long Offset), ConcurrentDictionary<int, byte>> seen, string topic, bool onlyLast = false) =>
        seen.Where(kv => kv.Key.Topic == topic)
            .GroupBy(kv => kv.Key.Partition)
            .ToDictionary(g => g.Key, g => (onlyLast ? g.MaxBy(kv => kv.Key.Offset) : g.MinBy(kv => kv.Key.Offset)).Value.Keys.First());

    private long Committed(string group, string topic, int partition)
    {
        using var consumer = kafka.NewConsumer(group);
        return consumer.Committed([new TopicPartition(topic, partition)], TimeSpan.FromSeconds(10)).Single().Offset.Value;
    }
}

/// <summary>Records which spout task emitted each (topic, partition, offset); fails a share of tuples at random.</summary>
public sealed class TopicRecordingBolt(string run, int failPercent) : BaseRichBolt
{
    public static readonly ConcurrentDictionary<string, ConcurrentDictionary<(string Topic, int Partition, long Offset), ConcurrentDictionary<int, byte>>> Runs = new();

    [NonSerialized]
    private IOutputCollector? _collector;

    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector) => _collector = collector;

    public override void Execute(ITuple input)
    {
        if (Random.Shared.Next(100) < failPercent)
        {
            _collector!.Fail(input);
            return;
        }

        var key = (input.GetStringByField("topic")!, input.GetIntegerByField("partition"), input.GetLongByField("offset"));
        Runs[run].GetOrAdd(key, _ => new ConcurrentDictionary<int, byte>())[input.SourceTask] = 0;
        _collector!.Ack(input);
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
    }
}
