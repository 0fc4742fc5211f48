using System.Text;

namespace StormSharp.Connectors.Kafka;

/// <summary>One record read from Kafka, as a record translator sees it.</summary>
public sealed class KafkaRecord
{
    internal KafkaRecord(string topic, int partition, long offset, byte[]? key, byte[]? value, DateTimeOffset timestamp)
    {
        Topic = topic;
        Partition = partition;
        Offset = offset;
        Key = key;
        Value = value;
        Timestamp = timestamp;
    }

    /// <summary>The topic.</summary>
    public string Topic { get; }

    /// <summary>The partition.</summary>
    public int Partition { get; }

    /// <summary>The record's offset in its partition.</summary>
    public long Offset { get; }

    /// <summary>The key's bytes, or null.</summary>
    public byte[]? Key { get; }

    /// <summary>The value's bytes, or null (a tombstone).</summary>
    public byte[]? Value { get; }

    /// <summary>The record's timestamp.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>The key as UTF-8 text, or null.</summary>
    public string? KeyString => Key is null ? null : Encoding.UTF8.GetString(Key);

    /// <summary>The value as UTF-8 text, or null.</summary>
    public string? ValueString => Value is null ? null : Encoding.UTF8.GetString(Value);
}
