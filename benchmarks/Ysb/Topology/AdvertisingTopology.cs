using StormSharp.Connectors.Kafka;
using StormSharp.Connectors.Redis;
using StormSharp.Topology;

namespace StormSharp.Benchmarks.Ysb.Topology;

/// <summary>
/// The Yahoo Streaming Benchmark's advertising topology (its AdvertisingTopology for Storm): the Kafka spout on
/// <c>ad-events</c> -> <c>event_deserializer</c> -> <c>event_filter</c> -> <c>event_projection</c> ->
/// <c>redis_join</c> (shuffle all the way) -> <c>campaign_processor</c> (fields grouping on <c>campaign_id</c>).
/// Acking is on. Submitted with <c>storm jar StormSharp.Benchmarks.Ysb.Topology.dll
/// StormSharp.Benchmarks.Ysb.Topology.AdvertisingTopology key=value...</c> (see <see cref="YsbSettings"/>), and built
/// the same way for local mode.
/// </summary>
public static class AdvertisingTopology
{
    /// <summary>The topology for <paramref name="settings"/>.</summary>
    public static StormTopology Build(YsbSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var spoutConfig = KafkaSpoutConfig.Builder(settings.Bootstrap, YsbLayout.Topic)
            .SetGroupId(settings.Group)
            .SetFirstPollOffsetStrategy(FirstPollOffsetStrategy.Earliest)
            .SetOffsetCommitPeriod(TimeSpan.FromSeconds(5))
            // A consumer that has caught up gets its next records from the embedded broker only when its fetch's
            // wait runs out (500 ms by default): measured at 130,000 events/s with 100 ms flushes, window latency p50
            // 414 ms and p99 509 ms with the default, 69 ms and 289 ms with 20 ms. Kafka itself answers a fetch as
            // soon as a record is there, so there the setting only adds requests while the topic is idle.
            .SetProp("fetch.wait.max.ms", "20")
            .Build();
        var redis = Redis(settings.Redis);
        var builder = new TopologyBuilder();
        builder.SetSpout("ads", new KafkaSpout(spoutConfig), settings.Spouts);
        builder.SetBolt("event_deserializer", new DeserializeBolt(), settings.Parallelism).ShuffleGrouping("ads");
        builder.SetBolt("event_filter", new EventFilterBolt(), settings.Parallelism).ShuffleGrouping("event_deserializer");
        builder.SetBolt("event_projection", new EventProjectionBolt(), settings.Parallelism).ShuffleGrouping("event_filter");
        builder.SetBolt("redis_join", new RedisJoinBolt(redis), settings.Parallelism).ShuffleGrouping("event_projection");
        builder.SetBolt("campaign_processor", new CampaignProcessor(redis, settings.FlushMillis), settings.Processors)
            .FieldsGrouping("redis_join", new Fields("campaign_id"));
        return builder.CreateTopology();
    }

    /// <summary>The topology's config: workers, ackers, spout tuples in flight.</summary>
    public static Config ConfigOf(YsbSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new Config()
            .SetNumWorkers(settings.Workers)
            .SetNumAckers(settings.Ackers)
            .SetMaxSpoutPending(settings.MaxSpoutPending);
    }

    /// <summary>A Redis host:port as the connector's config.</summary>
    public static RedisConnectionConfig Redis(string hostPort)
    {
        var colon = hostPort.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(hostPort.AsSpan(colon + 1), System.Globalization.CultureInfo.InvariantCulture, out var port))
        {
            throw new ArgumentException($"redis must be host:port, got '{hostPort}'", nameof(hostPort));
        }

        return RedisConnectionConfig.Single(hostPort[..colon], port);
    }

    /// <summary>Entry point for <c>storm jar</c>: submits the topology under its settings' name.</summary>
    public static void Main(string[] args)
    {
        var settings = YsbSettings.Parse(args);
        StormSubmitter.SubmitTopology(settings.Name, ConfigOf(settings), Build(settings));
    }
}
