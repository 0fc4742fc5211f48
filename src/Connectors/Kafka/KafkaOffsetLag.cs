using Confluent.Kafka;

namespace StormSharp.Connectors.Kafka;

/// <summary>
/// A Kafka spout's lag read from Kafka itself, as Storm's <c>storm-kafka-monitor</c> reads it for the UI's
/// <c>/api/v1/topology/:id/lag</c>: per partition of the spout's topics, the log's head (end) offset, the consumer
/// group's committed offset and their difference. The spout publishes what this needs in its component configuration
/// under Storm's keys (<see cref="TopicsKey"/>, <see cref="GroupIdKey"/>, <see cref="BootstrapServersKey"/>), so the
/// lag can be read from the topology's document by any process, whether or not the spout's tasks are running.
/// </summary>
public static class KafkaOffsetLag
{
    /// <summary>Storm's key for the topics the spout reads, comma-separated.</summary>
    public const string TopicsKey = "config.topics";

    /// <summary>The regular expression matched against whole topic names, when the spout reads by pattern.</summary>
    public const string TopicPatternKey = "config.topics.pattern";

    /// <summary>Storm's key for the spout's consumer group.</summary>
    public const string GroupIdKey = "config.groupid";

    /// <summary>Storm's key for the brokers.</summary>
    public const string BootstrapServersKey = "config.bootstrap.servers";

    private const string Prefix = "config.";

    /// <summary>
    /// What a spout reading <paramref name="config"/> puts in its component configuration: the topics, group and
    /// brokers, and every librdkafka property with a <c>config.</c> prefix (as storm-kafka-client does) except those
    /// whose name says they hold a secret (password, secret, key, token): the component configuration is shown in the
    /// UI, so a secured broker's lag can only be read where those are also given to the reader.
    /// </summary>
    public static IDictionary<string, object?> ComponentConfiguration(KafkaSpoutConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var conf = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            [GroupIdKey] = config.GroupId,
            [BootstrapServersKey] = config.BootstrapServers,
        };
        if (config.TopicPattern is null)
        {
            conf[TopicsKey] = string.Join(",", config.Topics);
        }
        else
        {
            conf[TopicPatternKey] = config.TopicPattern;
        }

        foreach (var (key, value) in config.KafkaProperties)
        {
            if (!IsSecret(key) && key is not "group.id" and not "bootstrap.servers")
            {
                conf[Prefix + key] = value;
            }
        }

        return conf;
    }

    /// <summary>Whether a component configuration is a Kafka spout's: it names topics (or a pattern), a group and brokers.</summary>
    public static bool IsKafkaSpout(IReadOnlyDictionary<string, object?> componentConf)
    {
        ArgumentNullException.ThrowIfNull(componentConf);
        return (componentConf.ContainsKey(TopicsKey) || componentConf.ContainsKey(TopicPatternKey))
            && componentConf.ContainsKey(GroupIdKey) && componentConf.ContainsKey(BootstrapServersKey);
    }

    /// <summary>
    /// Reads the lag of the spout whose component configuration is <paramref name="componentConf"/>, ordered by
    /// topic and partition. Throws <see cref="KafkaException"/> when the brokers cannot be reached within
    /// <paramref name="timeout"/> (for each of the metadata, committed offsets and watermarks reads), and
    /// <see cref="ArgumentException"/> naming the key when the configuration is not a Kafka spout's.
    /// </summary>
    public static Task<IReadOnlyList<PartitionOffsetLag>> ReadAsync(IReadOnlyDictionary<string, object?> componentConf, TimeSpan timeout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(componentConf);
        var bootstrap = Text(componentConf, BootstrapServersKey);
        var group = Text(componentConf, GroupIdKey);
        var topics = componentConf.TryGetValue(TopicsKey, out var t) && t is string list
            ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal)
            : null;
        var pattern = topics is null ? Text(componentConf, TopicPatternKey) : null;
        var consumerConf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in componentConf)
        {
            if (key.StartsWith(Prefix, StringComparison.Ordinal) && key is not TopicsKey and not TopicPatternKey and not GroupIdKey and not BootstrapServersKey
                && value is not null)
            {
                consumerConf[key[Prefix.Length..]] = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!;
            }
        }

        consumerConf["bootstrap.servers"] = bootstrap;
        consumerConf["group.id"] = group;
        consumerConf["enable.auto.commit"] = "false";

        // librdkafka's calls block: run them off the caller's thread, each bounded by the timeout.
        return Task.Run(() => Read(consumerConf, topics, pattern, timeout, ct), ct);
    }

    private static IReadOnlyList<PartitionOffsetLag> Read(Dictionary<string, string> consumerConf, HashSet<string>? topics, string? pattern, TimeSpan timeout, CancellationToken ct)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(consumerConf).SetLogHandler((_, _) => { }).Build();
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        var metadata = admin.GetMetadata(timeout);
        var partitions = new List<TopicPartition>();
        foreach (var topic in metadata.Topics)
        {
            var matches = topics is not null
                ? topics.Contains(topic.Topic)
                : !topic.Topic.StartsWith("__", StringComparison.Ordinal) && System.Text.RegularExpressions.Regex.IsMatch(topic.Topic, "^(?:" + pattern + ")$");
            if (matches && !topic.Error.IsError)
            {
                partitions.AddRange(topic.Partitions.Select(p => new TopicPartition(topic.Topic, p.PartitionId)));
            }
        }

        partitions.Sort((a, b) => string.CompareOrdinal(a.Topic, b.Topic) is var c && c != 0 ? c : a.Partition.Value.CompareTo(b.Partition.Value));
        if (partitions.Count == 0)
        {
            return [];
        }

        ct.ThrowIfCancellationRequested();
        var committed = consumer.Committed(partitions, timeout).ToDictionary(c => c.TopicPartition, c => c.Offset.Value);
        var result = new List<PartitionOffsetLag>(partitions.Count);
        foreach (var tp in partitions)
        {
            ct.ThrowIfCancellationRequested();
            var marks = consumer.QueryWatermarkOffsets(tp, timeout);
            var done = committed.TryGetValue(tp, out var c) && c >= 0 ? c : -1;
            result.Add(new PartitionOffsetLag(tp.Topic, tp.Partition.Value, done, marks.High.Value, Lag(done, marks)));
        }

        return result;
    }

    /// <summary>Records between the commit and the log head; with nothing committed (-1), from the log's start.</summary>
    internal static long Lag(long committed, WatermarkOffsets marks) =>
        Math.Max(0, marks.High.Value - (committed >= 0 ? committed : Math.Max(0, marks.Low.Value)));

    private static string Text(IReadOnlyDictionary<string, object?> conf, string key) =>
        conf.TryGetValue(key, out var v) && v is string s && s.Length > 0
            ? s
            : throw new ArgumentException($"the Kafka spout's component configuration has no '{key}'", nameof(conf));

    private static bool IsSecret(string key) =>
        key.Contains("password", StringComparison.OrdinalIgnoreCase) || key.Contains("secret", StringComparison.OrdinalIgnoreCase)
        || key.EndsWith("key", StringComparison.OrdinalIgnoreCase) || key.Contains("token", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// One partition's lag as Storm's monitor reports it: the group's committed offset (-1 when it has committed nothing,
/// and the lag is then counted from the log's start), the log head (end) offset, and the records between them.
/// </summary>
public sealed record PartitionOffsetLag(string Topic, int Partition, long ConsumerCommittedOffset, long LogHeadOffset, long Lag);
