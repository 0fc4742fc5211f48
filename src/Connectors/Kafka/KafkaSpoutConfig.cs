using System.Text.RegularExpressions;

namespace StormSharp.Connectors.Kafka;

/// <summary>
/// What a <see cref="KafkaSpout"/> reads and how (storm-kafka-client's KafkaSpoutConfig). Build it with
/// <see cref="Builder(string, string[])"/> or <see cref="Builder(string, Regex)"/>; it travels to the spout's tasks
/// with the spout.
/// </summary>
public sealed class KafkaSpoutConfig
{
    private KafkaSpoutConfig(KafkaSpoutConfigBuilder b)
    {
        BootstrapServers = b.BootstrapServers;
        Topics = [.. b.Topics];
        TopicPattern = b.TopicPattern;
        GroupId = b.GroupId;
        FirstPollOffsetStrategy = b.FirstPollOffsetStrategy;
        ProcessingGuarantee = b.ProcessingGuarantee;
        OffsetCommitPeriod = b.OffsetCommitPeriod;
        MaxUncommittedOffsets = b.MaxUncommittedOffsets;
        PollTimeout = b.PollTimeout;
        PartitionRefreshPeriod = b.PartitionRefreshPeriod;
        Retry = b.Retry;
        RecordTranslator = b.RecordTranslator;
        KafkaProperties = new Dictionary<string, string>(b.KafkaProperties, StringComparer.Ordinal);
    }

    /// <summary>Kafka's bootstrap.servers: host:port[,host:port...].</summary>
    public string BootstrapServers { get; }

    /// <summary>The topics read; empty when <see cref="TopicPattern"/> is used.</summary>
    public IReadOnlyList<string> Topics { get; }

    /// <summary>A regular expression matched against whole topic names, or null when <see cref="Topics"/> is used.</summary>
    public string? TopicPattern { get; }

    /// <summary>The consumer group whose committed offsets the spout reads and writes. Default "kafkaSpoutTestGroup", as in storm-kafka-client.</summary>
    public string GroupId { get; }

    /// <summary>Where a task starts reading a partition. Default <see cref="Kafka.FirstPollOffsetStrategy.UncommittedEarliest"/>.</summary>
    public FirstPollOffsetStrategy FirstPollOffsetStrategy { get; }

    /// <summary>Default <see cref="Kafka.ProcessingGuarantee.AtLeastOnce"/>.</summary>
    public ProcessingGuarantee ProcessingGuarantee { get; }

    /// <summary>How often acked offsets are committed. Default 30 s.</summary>
    public TimeSpan OffsetCommitPeriod { get; }

    /// <summary>
    /// How far a partition may be read ahead of its committed offset before the task stops polling it until commits
    /// catch up (retries go on). Default 10,000,000, as in storm-kafka-client.
    /// </summary>
    public int MaxUncommittedOffsets { get; }

    /// <summary>How long one NextTuple waits for records when none are buffered. Default 50 ms.</summary>
    public TimeSpan PollTimeout { get; }

    /// <summary>How often the topics' partitions are listed again and spread over the tasks. Default 2 s.</summary>
    public TimeSpan PartitionRefreshPeriod { get; }

    /// <summary>When failed records are emitted again. Default <see cref="KafkaSpoutRetryExponentialBackoff.Default"/>.</summary>
    public KafkaSpoutRetryExponentialBackoff Retry { get; }

    /// <summary>Record to tuple. Default <see cref="DefaultRecordTranslator"/>.</summary>
    public IRecordTranslator RecordTranslator { get; }

    /// <summary>librdkafka properties passed to the consumer as they are; they override the spout's own settings.</summary>
    public IReadOnlyDictionary<string, string> KafkaProperties { get; }

    /// <summary>Starts a config for a list of topics.</summary>
    public static KafkaSpoutConfigBuilder Builder(string bootstrapServers, params string[] topics)
    {
        ArgumentNullException.ThrowIfNull(topics);
        if (topics.Length == 0 || topics.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("the Kafka spout needs at least one topic, and no topic name may be empty", nameof(topics));
        }

        return new KafkaSpoutConfigBuilder(bootstrapServers, topics, null);
    }

    /// <summary>Starts a config for every topic whose whole name matches <paramref name="topicPattern"/>.</summary>
    public static KafkaSpoutConfigBuilder Builder(string bootstrapServers, Regex topicPattern)
    {
        ArgumentNullException.ThrowIfNull(topicPattern);
        return new KafkaSpoutConfigBuilder(bootstrapServers, [], topicPattern.ToString());
    }

    internal bool Matches(string topic) =>
        TopicPattern is null ? Topics.Contains(topic, StringComparer.Ordinal) : Regex.IsMatch(topic, "^(?:" + TopicPattern + ")$");

    internal static KafkaSpoutConfig From(KafkaSpoutConfigBuilder builder) => new(builder);
}

/// <summary>Sets a <see cref="KafkaSpoutConfig"/>'s options; each setter checks its value and names it when it is wrong.</summary>
public sealed class KafkaSpoutConfigBuilder
{
    internal KafkaSpoutConfigBuilder(string bootstrapServers, string[] topics, string? pattern)
    {
        if (string.IsNullOrWhiteSpace(bootstrapServers))
        {
            throw new ArgumentException("the Kafka spout needs bootstrap servers (host:port[,host:port...])", nameof(bootstrapServers));
        }

        BootstrapServers = bootstrapServers;
        Topics = topics;
        TopicPattern = pattern;
    }

    internal string BootstrapServers { get; }

    internal string[] Topics { get; }

    internal string? TopicPattern { get; }

    internal string GroupId { get; private set; } = "kafkaSpoutTestGroup";

    internal FirstPollOffsetStrategy FirstPollOffsetStrategy { get; private set; } = FirstPollOffsetStrategy.UncommittedEarliest;

    internal ProcessingGuarantee ProcessingGuarantee { get; private set; } = ProcessingGuarantee.AtLeastOnce;

    internal TimeSpan OffsetCommitPeriod { get; private set; } = TimeSpan.FromSeconds(30);

    internal int MaxUncommittedOffsets { get; private set; } = 10_000_000;

    internal TimeSpan PollTimeout { get; private set; } = TimeSpan.FromMilliseconds(50);

    internal TimeSpan PartitionRefreshPeriod { get; private set; } = TimeSpan.FromSeconds(2);

    internal KafkaSpoutRetryExponentialBackoff Retry { get; private set; } = KafkaSpoutRetryExponentialBackoff.Default;

    internal IRecordTranslator RecordTranslator { get; private set; } = new DefaultRecordTranslator();

    internal Dictionary<string, string> KafkaProperties { get; } = new(StringComparer.Ordinal);

    /// <summary>Kafka's group.id.</summary>
    public KafkaSpoutConfigBuilder SetGroupId(string groupId)
    {
        if (string.IsNullOrWhiteSpace(groupId))
        {
            throw new ArgumentException("the Kafka spout's group id must not be empty", nameof(groupId));
        }

        GroupId = groupId;
        return this;
    }

    /// <summary>Where tasks start reading their partitions.</summary>
    public KafkaSpoutConfigBuilder SetFirstPollOffsetStrategy(FirstPollOffsetStrategy strategy)
    {
        FirstPollOffsetStrategy = strategy;
        return this;
    }

    /// <summary>At least once, at most once, or no guarantee.</summary>
    public KafkaSpoutConfigBuilder SetProcessingGuarantee(ProcessingGuarantee guarantee)
    {
        ProcessingGuarantee = guarantee;
        return this;
    }

    /// <summary>How often offsets are committed (more than 0).</summary>
    public KafkaSpoutConfigBuilder SetOffsetCommitPeriod(TimeSpan period)
    {
        if (period <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(period), period, "the Kafka spout's offset commit period must be more than 0");
        }

        OffsetCommitPeriod = period;
        return this;
    }

    /// <summary>How far a partition may be read past its committed offset (at least 1).</summary>
    public KafkaSpoutConfigBuilder SetMaxUncommittedOffsets(int max)
    {
        if (max < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(max), max, "the Kafka spout's max uncommitted offsets must be at least 1");
        }

        MaxUncommittedOffsets = max;
        return this;
    }

    /// <summary>How long one NextTuple waits for records (0 or more).</summary>
    public KafkaSpoutConfigBuilder SetPollTimeout(TimeSpan timeout)
    {
        if (timeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "the Kafka spout's poll timeout must not be negative");
        }

        PollTimeout = timeout;
        return this;
    }

    /// <summary>How often partitions are listed and spread over the tasks again (more than 0).</summary>
    public KafkaSpoutConfigBuilder SetPartitionRefreshPeriod(TimeSpan period)
    {
        if (period <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(period), period, "the Kafka spout's partition refresh period must be more than 0");
        }

        PartitionRefreshPeriod = period;
        return this;
    }

    /// <summary>When failed records are retried and when they are given up.</summary>
    public KafkaSpoutConfigBuilder SetRetry(KafkaSpoutRetryExponentialBackoff retry)
    {
        Retry = retry ?? throw new ArgumentNullException(nameof(retry));
        return this;
    }

    /// <summary>Record to tuple; see <see cref="IRecordTranslator"/>.</summary>
    public KafkaSpoutConfigBuilder SetRecordTranslator(IRecordTranslator translator)
    {
        RecordTranslator = translator ?? throw new ArgumentNullException(nameof(translator));
        return this;
    }

    /// <summary>Any librdkafka consumer property, passed through as it is.</summary>
    public KafkaSpoutConfigBuilder SetProp(string key, string value)
    {
        if (string.IsNullOrWhiteSpace(key))
        {
            throw new ArgumentException("a Kafka property needs a name", nameof(key));
        }

        KafkaProperties[key] = value ?? throw new ArgumentNullException(nameof(value), $"Kafka property '{key}' has no value");
        return this;
    }

    /// <summary>The finished config.</summary>
    public KafkaSpoutConfig Build() => KafkaSpoutConfig.From(this);
}
