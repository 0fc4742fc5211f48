namespace StormSharp.Connectors.Kafka;

/// <summary>The message id of a tuple the Kafka spout emits: the record's place and how often it has failed.</summary>
public sealed class KafkaSpoutMessageId
{
    internal KafkaSpoutMessageId(string topic, int partition, long offset)
    {
        Topic = topic;
        Partition = partition;
        Offset = offset;
    }

    /// <summary>The record's topic.</summary>
    public string Topic { get; }

    /// <summary>The record's partition.</summary>
    public int Partition { get; }

    /// <summary>The record's offset.</summary>
    public long Offset { get; }

    /// <summary>How many times the record's tuple has failed or timed out.</summary>
    public int Failures { get; internal set; }

    /// <inheritdoc/>
    public override string ToString() => $"{Topic}-{Partition}@{Offset}";
}
