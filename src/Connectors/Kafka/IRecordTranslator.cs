using StormSharp.Topology;

namespace StormSharp.Connectors.Kafka;

/// <summary>
/// Turns a Kafka record into a tuple and the stream it goes to (storm-kafka-client's RecordTranslator). Implement it
/// as a class of plain fields: it travels to the spout's tasks with the spout.
/// </summary>
public interface IRecordTranslator
{
    /// <summary>The streams the spout declares.</summary>
    IReadOnlyList<string> Streams { get; }

    /// <summary>The fields of <paramref name="stream"/>.</summary>
    Fields GetFieldsFor(string stream);

    /// <summary>
    /// The tuple for <paramref name="record"/>, or null to skip it (its offset then counts as processed). An exception
    /// is reported as the spout's error and the record skipped, so one bad record never stops the partition.
    /// </summary>
    KafkaTuple? Translate(KafkaRecord record);
}

/// <summary>A translated record: its values and the stream they are emitted on.</summary>
public sealed record KafkaTuple(IReadOnlyList<object?> Values, string Stream = Utils.DefaultStreamId);

/// <summary>
/// The default translator: emits <c>topic, partition, offset, key, value</c> on the default stream, key and value as
/// UTF-8 strings (null stays null).
/// </summary>
public sealed class DefaultRecordTranslator : IRecordTranslator
{
    private static readonly Fields OutputFields = new("topic", "partition", "offset", "key", "value");

    /// <inheritdoc/>
    public IReadOnlyList<string> Streams => [Utils.DefaultStreamId];

    /// <inheritdoc/>
    public Fields GetFieldsFor(string stream) => OutputFields;

    /// <inheritdoc/>
    public KafkaTuple? Translate(KafkaRecord record) =>
        new(new Values(record.Topic, record.Partition, record.Offset, record.KeyString, record.ValueString));
}
