namespace StormSharp.Connectors.Redis;

/// <summary>The Redis data types a mapper writes or reads (storm-redis's RedisDataType).</summary>
public enum RedisDataType
{
    /// <summary>SET key value / GET key / EXISTS key.</summary>
    String,

    /// <summary>HSET additionalKey key value / HGET / HEXISTS.</summary>
    Hash,

    /// <summary>RPUSH key value / LPOP key (lookup).</summary>
    List,

    /// <summary>SADD key value / SCARD key (lookup) / SISMEMBER additionalKey key (filter).</summary>
    Set,

    /// <summary>ZADD additionalKey value(score) key(member) / ZSCORE / ZRANK (filter).</summary>
    SortedSet,

    /// <summary>PFADD key value / PFCOUNT key.</summary>
    HyperLogLog,
}

/// <summary>
/// A data type and, for <see cref="RedisDataType.Hash"/> and <see cref="RedisDataType.SortedSet"/> (and a set filter),
/// the key of the hash or sorted set the tuple's key is a field or member of.
/// </summary>
public sealed class RedisDataTypeDescription
{
    /// <summary>Describes <paramref name="dataType"/>; hash and sorted set need <paramref name="additionalKey"/>.</summary>
    public RedisDataTypeDescription(RedisDataType dataType, string? additionalKey = null)
    {
        if (dataType is RedisDataType.Hash or RedisDataType.SortedSet && string.IsNullOrEmpty(additionalKey))
        {
            throw new ArgumentException($"Redis data type {dataType} needs an additional key (the key of the hash or sorted set)", nameof(additionalKey));
        }

        DataType = dataType;
        AdditionalKey = additionalKey;
    }

    /// <summary>The data type.</summary>
    public RedisDataType DataType { get; }

    /// <summary>The hash's or sorted set's key, or null.</summary>
    public string? AdditionalKey { get; }
}
