using Confluent.Kafka;
using Confluent.Kafka.Admin;
using StormSharp.Benchmarks.Ysb.Topology;

namespace StormSharp.Benchmarks.Ysb.Feed;

/// <summary>Creates <c>ad-events</c> with a given number of partitions (a topic that exists already is kept as it is).</summary>
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
}
