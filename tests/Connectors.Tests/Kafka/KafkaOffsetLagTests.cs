using Confluent.Kafka;
using StormSharp.Connectors.Kafka;
using StormSharp.Connectors.Tests.Infrastructure;

namespace StormSharp.Connectors.Tests.Kafka;

/// <summary>The lag the UI reads from Kafka for a Kafka spout, from the spout's component configuration alone.</summary>
public sealed class KafkaOffsetLagTests(KafkaFixture kafka) : IClassFixture<KafkaFixture>
{
    [Fact]
    public async Task Read_GroupCommittedSomePartitions_HeadCommittedAndLagPerPartition()
    {
        var topic = kafka.NewName("lag");
        var group = kafka.NewName("group");
        kafka.Produce(topic, 2_000);
        var end = kafka.EndOffsets(topic);
        kafka.Commit(topic, group, new Dictionary<int, long> { [0] = end[0], [1] = end[1] / 2 });
        var conf = KafkaSpoutConfig.Builder(kafka.Bootstrap, topic).SetGroupId(group).Build();

        var lag = await KafkaOffsetLag.ReadAsync(AsReadOnly(new KafkaSpout(conf).GetComponentConfiguration()!), TimeSpan.FromSeconds(10), CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal([0, 1, 2, 3], lag.Select(p => p.Partition));
        Assert.All(lag, p => Assert.Equal(topic, p.Topic));
        Assert.All(lag, p => Assert.Equal(end[p.Partition], p.LogHeadOffset));
        Assert.Equal((end[0], 0L), (lag[0].ConsumerCommittedOffset, lag[0].Lag));
        Assert.Equal((end[1] / 2, end[1] - (end[1] / 2)), (lag[1].ConsumerCommittedOffset, lag[1].Lag));
        Assert.Equal((-1L, end[2]), (lag[2].ConsumerCommittedOffset, lag[2].Lag));
        Assert.Equal(2_000, lag.Sum(p => p.LogHeadOffset));
    }

    [Fact]
    public async Task Read_TopicPattern_ReadsEveryMatchingTopic()
    {
        var prefix = kafka.NewName("pattern");
        kafka.Produce(prefix + "-a", 40);
        kafka.Produce(prefix + "-b", 40);
        var conf = KafkaSpoutConfig.Builder(kafka.Bootstrap, new System.Text.RegularExpressions.Regex(System.Text.RegularExpressions.Regex.Escape(prefix) + "-.*"))
            .SetGroupId(kafka.NewName("group")).Build();

        var lag = await KafkaOffsetLag.ReadAsync(AsReadOnly(KafkaOffsetLag.ComponentConfiguration(conf)), TimeSpan.FromSeconds(10), CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal([prefix + "-a", prefix + "-b"], lag.Select(p => p.Topic).Distinct());
        Assert.Equal(80, lag.Sum(p => p.Lag));
    }

    [Fact]
    public void ComponentConfiguration_StormsKeysAndNoSecrets()
    {
        var conf = KafkaSpoutConfig.Builder("127.0.0.1:9", "orders", "refunds").SetGroupId("g")
            .SetProp("security.protocol", "SASL_PLAINTEXT").SetProp("sasl.password", "hunter2").SetProp("ssl.key.password", "x").Build();

        var own = KafkaOffsetLag.ComponentConfiguration(conf);

        Assert.Equal("orders,refunds", own[KafkaOffsetLag.TopicsKey]);
        Assert.Equal("g", own[KafkaOffsetLag.GroupIdKey]);
        Assert.Equal("127.0.0.1:9", own[KafkaOffsetLag.BootstrapServersKey]);
        Assert.Equal("SASL_PLAINTEXT", own["config.security.protocol"]);
        Assert.DoesNotContain(own.Values, v => v is "hunter2" or "x");
        Assert.True(KafkaOffsetLag.IsKafkaSpout(AsReadOnly(own)));
        Assert.False(KafkaOffsetLag.IsKafkaSpout(new Dictionary<string, object?> { [KafkaOffsetLag.TopicsKey] = "t" }));
    }

    [Fact]
    public async Task Read_NoBroker_KafkaExceptionWithinTheTimeout()
    {
        var conf = KafkaSpoutConfig.Builder("127.0.0.1:" + Ports.Free(), "t").Build();

        await Assert.ThrowsAsync<KafkaException>(() =>
            KafkaOffsetLag.ReadAsync(AsReadOnly(KafkaOffsetLag.ComponentConfiguration(conf)), TimeSpan.FromSeconds(2), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60)));
    }

    private static Dictionary<string, object?> AsReadOnly(IDictionary<string, object?> conf) => new(conf, StringComparer.Ordinal);
}
