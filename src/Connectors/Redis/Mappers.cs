using System.Globalization;
using StormSharp.Topology;

namespace StormSharp.Connectors.Redis;

/// <summary>What a Redis bolt reads from a tuple: the data type and the key. Implement mappers as classes of plain fields.</summary>
public interface IRedisMapper
{
    /// <summary>The data type and, where needed, the additional key.</summary>
    RedisDataTypeDescription DataTypeDescription { get; }

    /// <summary>The key (or field, or member) for <paramref name="tuple"/>.</summary>
    string GetKeyFromTuple(ITuple tuple);
}

/// <summary>What <see cref="RedisStoreBolt"/> writes (storm-redis's RedisStoreMapper).</summary>
public interface IRedisStoreMapper : IRedisMapper
{
    /// <summary>The value; for a sorted set, the member's score (a number).</summary>
    string GetValueFromTuple(ITuple tuple);
}

/// <summary>What <see cref="RedisLookupBolt"/> reads and emits (storm-redis's RedisLookupMapper).</summary>
public interface IRedisLookupMapper : IRedisMapper
{
    /// <summary>The tuples to emit for <paramref name="input"/> and the value found (null when there is none).</summary>
    IReadOnlyList<IReadOnlyList<object?>> ToTuple(ITuple input, object? value);

    /// <summary>Declares the streams the lookup bolt emits.</summary>
    void DeclareOutputFields(IOutputFieldsDeclarer declarer);
}

/// <summary>What <see cref="RedisFilterBolt"/> checks (storm-redis's RedisFilterMapper); it passes on the inputs whose key exists.</summary>
public interface IRedisFilterMapper : IRedisMapper
{
    /// <summary>Declares the filter bolt's output: the same fields as its input.</summary>
    void DeclareOutputFields(IOutputFieldsDeclarer declarer);
}

/// <summary>A store mapper that takes the key and the value from two named fields.</summary>
public sealed class FieldStoreMapper : IRedisStoreMapper
{
    private readonly string _keyField;
    private readonly string _valueField;

    /// <summary>Writes <paramref name="valueField"/> under <paramref name="keyField"/> as <paramref name="description"/> says.</summary>
    public FieldStoreMapper(RedisDataTypeDescription description, string keyField, string valueField)
    {
        DataTypeDescription = description ?? throw new ArgumentNullException(nameof(description));
        _keyField = keyField ?? throw new ArgumentNullException(nameof(keyField));
        _valueField = valueField ?? throw new ArgumentNullException(nameof(valueField));
    }

    /// <inheritdoc/>
    public RedisDataTypeDescription DataTypeDescription { get; }

    /// <inheritdoc/>
    public string GetKeyFromTuple(ITuple tuple) => Field(tuple, _keyField);

    /// <inheritdoc/>
    public string GetValueFromTuple(ITuple tuple) => Field(tuple, _valueField);

    internal static string Field(ITuple tuple, string field)
    {
        if (!tuple.Contains(field))
        {
            throw new ArgumentException($"the tuple from '{tuple.SourceComponent}' on stream '{tuple.SourceStreamId}' has no field '{field}'");
        }

        return Convert.ToString(tuple.GetValueByField(field), CultureInfo.InvariantCulture)
            ?? throw new ArgumentException($"field '{field}' of the tuple from '{tuple.SourceComponent}' is null");
    }
}

/// <summary>A lookup mapper that reads the key from a field and emits the input's key field and the value found.</summary>
public sealed class FieldLookupMapper : IRedisLookupMapper
{
    private readonly string _keyField;
    private readonly string _valueField;

    /// <summary>Looks up <paramref name="keyField"/> and emits (<paramref name="keyField"/>, <paramref name="valueField"/>).</summary>
    public FieldLookupMapper(RedisDataTypeDescription description, string keyField, string valueField = "value")
    {
        DataTypeDescription = description ?? throw new ArgumentNullException(nameof(description));
        _keyField = keyField ?? throw new ArgumentNullException(nameof(keyField));
        _valueField = valueField ?? throw new ArgumentNullException(nameof(valueField));
    }

    /// <inheritdoc/>
    public RedisDataTypeDescription DataTypeDescription { get; }

    /// <inheritdoc/>
    public string GetKeyFromTuple(ITuple tuple) => FieldStoreMapper.Field(tuple, _keyField);

    /// <inheritdoc/>
    public IReadOnlyList<IReadOnlyList<object?>> ToTuple(ITuple input, object? value) => [new Values(GetKeyFromTuple(input), value)];

    /// <inheritdoc/>
    public void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields(_keyField, _valueField));
}

/// <summary>A filter mapper that reads the key from a field and passes on inputs with the given fields.</summary>
public sealed class FieldFilterMapper : IRedisFilterMapper
{
    private readonly string _keyField;
    private readonly Fields _outputFields;

    /// <summary>Checks <paramref name="keyField"/>; the bolt's output has <paramref name="outputFields"/> (those of its input).</summary>
    public FieldFilterMapper(RedisDataTypeDescription description, string keyField, Fields outputFields)
    {
        DataTypeDescription = description ?? throw new ArgumentNullException(nameof(description));
        _keyField = keyField ?? throw new ArgumentNullException(nameof(keyField));
        _outputFields = outputFields ?? throw new ArgumentNullException(nameof(outputFields));
    }

    /// <inheritdoc/>
    public RedisDataTypeDescription DataTypeDescription { get; }

    /// <inheritdoc/>
    public string GetKeyFromTuple(ITuple tuple) => FieldStoreMapper.Field(tuple, _keyField);

    /// <inheritdoc/>
    public void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(_outputFields);
}
