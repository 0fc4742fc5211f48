using Confluent.Kafka;
using StormSharp.Benchmarks.Ysb.Feed;
using StormSharp.Benchmarks.Ysb.Topology;
using StormSharp.Connectors.Kafka;

namespace StormSharp.Benchmarks.Ysb.Tests;

public sealed class FeedTests
{
    [Fact]
    public void EnsureOnEmbedded_NothingProducedYet_ConsumersSeeTheTopicWithItsPartitions()
    {
        // The spouts list partitions with a consumer's metadata request, which never creates a topic: left to the
        // generator's first produce, they found ad-events only at their next refresh, seconds of events behind.
        using var broker = EmbeddedKafkaBroker.Start();
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = broker.BootstrapServers, GroupId = "feed-tests" })
            .SetLogHandler((_, _) => { })
            .Build();
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        var timeout = TimeSpan.FromSeconds(10);
        Assert.DoesNotContain(admin.GetMetadata(timeout).Topics, t => t.Topic == YsbLayout.Topic && !t.Error.IsError);

        Assert.Equal(EmbeddedKafkaBroker.DefaultPartitions, AdEventsTopic.EnsureOnEmbedded(broker.BootstrapServers, TimeSpan.FromSeconds(30)));

        var listed = admin.GetMetadata(timeout).Topics.SingleOrDefault(t => t.Topic == YsbLayout.Topic);
        Assert.NotNull(listed);
        Assert.False(listed.Error.IsError, $"ad-events listed with error {listed.Error}");
        Assert.Equal(EmbeddedKafkaBroker.DefaultPartitions, listed.Partitions.Count);
    }
}
