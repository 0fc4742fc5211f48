using Confluent.Kafka;
using Confluent.Kafka.Admin;
using StormSharp.Benchmarks.Ysb.Topology;

namespace StormSharp.Benchmarks.Ysb.Feed;

/// <summary>Creates <c>ad-events</c> (a topic that exists already is kept as it is).</summary>
public static class AdEventsTopic
{
    /// <summary>Creates the topic; waits at most <paramref name="timeout"/>.</summary>
    public static async Task EnsureAsync(string bootstrap, int partitions, TimeSpan timeout)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).SetLogHandler((_, _) => { }).Build();
        try
        {
            await admin.CreateTopicsAsync(
                [new TopicSpecification { Name = YsbLayout.Topic, NumPartitions = partitions, ReplicationFactor = 1 }],
                new CreateTopicsOptions { RequestTimeout = timeout, OperationTimeout = timeout }).ConfigureAwait(false);
        }
        catch (CreateTopicsException e) when (e.Results.All(r => r.Error.Code is ErrorCode.TopicAlreadyExists or ErrorCode.NoError))
        {
            // Kept as it is.
        }
    }

    /// <summary>
    /// Has the embedded broker create the topic with its default partitions, as it does on first produce, and returns
    /// their count. It serves no CreateTopics request, but a producer's metadata request for a topic it does not
    /// know creates it (the producer's <c>allow.auto.create.topics</c> is on).
    /// </summary>
    public static int EnsureOnEmbedded(string bootstrap, TimeSpan timeout)
    {
        using var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = bootstrap }).SetLogHandler((_, _) => { }).Build();
        using var admin = new DependentAdminClientBuilder(producer.Handle).Build();
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var topic = admin.GetMetadata(YsbLayout.Topic, timeout).Topics.FirstOrDefault(t => t.Topic == YsbLayout.Topic);
            if (topic is { Error.IsError: false, Partitions.Count: > 0 })
            {
                return topic.Partitions.Count;
            }

            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"the embedded broker did not create {YsbLayout.Topic} within {timeout.TotalSeconds:0} s: {topic?.Error.Reason ?? "not listed"}");
            }

            Thread.Sleep(50);
        }
    }
}
