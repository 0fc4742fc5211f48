using StormSharp.Connectors.HBase;
using StormSharp.Connectors.Kafka;
using StormSharp.Connectors.Redis;
using StormSharp.Topology;

namespace StormSharp.Examples.OrderAnalytics;

/// <summary>Kafka spout -> parse (valid / invalid) -> per-category and per-minute aggregation in Redis (and HBase when asked).</summary>
public static class OrderAnalyticsTopology
{
    public const string Name = "order-analytics";
    public const string Topic = "orders";
    public const string Group = "order-analytics";

    public static StormTopology Build(string bootstrap, RedisConnectionConfig redis, bool chaos, string? hbaseRestUrl)
    {
        var spoutConfig = KafkaSpoutConfig.Builder(bootstrap, Topic)
            .SetGroupId(Group)
            .SetOffsetCommitPeriod(TimeSpan.FromSeconds(1))
            .SetRetry(new KafkaSpoutRetryExponentialBackoff(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10), int.MaxValue, TimeSpan.FromSeconds(2)))
            .Build();
        var builder = new TopologyBuilder();
        builder.SetSpout("orders", new KafkaSpout(spoutConfig), 2);
        builder.SetBolt("parse", new ParseOrderBolt(chaos), 2).ShuffleGrouping("orders");
        builder.SetBolt("aggregate", new OrderStoreBolt(redis), 2)
            .FieldsGrouping("parse", new Fields("category"))
            .ShuffleGrouping("parse", ParseOrderBolt.InvalidStream);
        if (hbaseRestUrl is not null)
        {
            builder.SetBolt("hbase", new HBaseBolt(hbaseRestUrl, "orders", new OrderHBaseMapper()), 1).ShuffleGrouping("parse");
        }

        return builder.CreateTopology();
    }

    /// <summary>
    /// What <c>storm jar</c> runs for <c>run --cluster</c>: <c>BOOTSTRAP REDIS-HOST:PORT chaos|steady [HBASE-REST-URL]</c>.
    /// </summary>
    public static void Main(string[] args)
    {
        if (args.Length is < 3 or > 4 || args[2] is not ("chaos" or "steady") || !args[1].Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException("usage: OrderAnalyticsTopology BOOTSTRAP REDIS-HOST:PORT chaos|steady [HBASE-REST-URL]");
        }

        var redis = args[1];
        var port = int.Parse(redis[(redis.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        var topology = Build(args[0], RedisConnectionConfig.Single(redis[..redis.LastIndexOf(':')], port), args[2] == "chaos", args.Length == 4 ? args[3] : null);
        StormSubmitter.SubmitTopology(Name, Config(), topology);
    }

    public static Dictionary<string, object?> Config() => new(StringComparer.Ordinal)
    {
        [StormSharp.Topology.Config.TopologyMaxSpoutPending] = 2_000,
        [StormSharp.Topology.Config.TopologyMessageTimeoutSecs] = 10,
    };
}
