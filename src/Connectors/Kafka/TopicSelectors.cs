using StormSharp.Topology;

namespace StormSharp.Connectors.Kafka;

/// <summary>
/// Picks the topic a tuple is written to (storm-kafka-client's KafkaTopicSelector); null skips the tuple (it is acked
/// unwritten). Implement it as a class of plain fields: it travels with the bolt.
/// </summary>
public interface ITopicSelector
{
    /// <summary>The topic for <paramref name="tuple"/>, or null to skip it.</summary>
    string? GetTopic(ITuple tuple);
}

/// <summary>Every tuple goes to one topic.</summary>
public sealed class DefaultTopicSelector : ITopicSelector
{
    private readonly string _topic;

    /// <summary>Writes to <paramref name="topic"/>.</summary>
    public DefaultTopicSelector(string topic)
    {
        if (string.IsNullOrWhiteSpace(topic))
        {
            throw new ArgumentException("the Kafka bolt's topic must not be empty", nameof(topic));
        }

        _topic = topic;
    }

    /// <inheritdoc/>
    public string? GetTopic(ITuple tuple) => _topic;
}

/// <summary>The topic is the value of a tuple field; a tuple without it (or with null) goes to the default topic, or is skipped when there is none.</summary>
public sealed class FieldNameTopicSelector : ITopicSelector
{
    private readonly string _field;
    private readonly string? _defaultTopic;

    /// <summary>Reads the topic from <paramref name="field"/>.</summary>
    public FieldNameTopicSelector(string field, string? defaultTopic = null)
    {
        if (string.IsNullOrWhiteSpace(field))
        {
            throw new ArgumentException("the topic field's name must not be empty", nameof(field));
        }

        _field = field;
        _defaultTopic = defaultTopic;
    }

    /// <inheritdoc/>
    public string? GetTopic(ITuple tuple) =>
        tuple.Contains(_field) && tuple.GetValueByField(_field) is { } v ? Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) : _defaultTopic;
}

/// <summary>
/// The record key and value of a tuple (storm-kafka-client's TupleToKafkaMapper). Values are written as they are when
/// they are byte arrays, as UTF-8 otherwise (other types through their invariant-culture text); null stays null.
/// </summary>
public interface ITupleToKafkaMapper
{
    /// <summary>The record's key, or null.</summary>
    object? GetKeyFromTuple(ITuple tuple);

    /// <summary>The record's value, or null.</summary>
    object? GetMessageFromTuple(ITuple tuple);
}

/// <summary>Key and value from two named fields; defaults "key" and "message", as in storm-kafka-client.</summary>
public sealed class FieldNameBasedTupleToKafkaMapper : ITupleToKafkaMapper
{
    private readonly string _keyField;
    private readonly string _messageField;

    /// <summary>Reads the key from <paramref name="keyField"/> and the value from <paramref name="messageField"/>.</summary>
    public FieldNameBasedTupleToKafkaMapper(string keyField = "key", string messageField = "message")
    {
        _keyField = keyField ?? throw new ArgumentNullException(nameof(keyField));
        _messageField = messageField ?? throw new ArgumentNullException(nameof(messageField));
    }

    /// <inheritdoc/>
    public object? GetKeyFromTuple(ITuple tuple) => tuple.Contains(_keyField) ? tuple.GetValueByField(_keyField) : null;

    /// <inheritdoc/>
    public object? GetMessageFromTuple(ITuple tuple) =>
        tuple.Contains(_messageField)
            ? tuple.GetValueByField(_messageField)
            : throw new ArgumentException($"the tuple from '{tuple.SourceComponent}' on stream '{tuple.SourceStreamId}' has no field '{_messageField}' for the Kafka record's value");
}
