using StackExchange.Redis;
using StormSharp.Topology;

namespace StormSharp.Connectors.Redis;

/// <summary>
/// Passes on (anchored) the tuples whose key exists in Redis and acks the others (storm-redis's RedisFilterBolt):
/// EXISTS (string), HEXISTS (hash), SISMEMBER additionalKey key (set), ZRANK not null (sorted set),
/// PFCOUNT &gt; 0 (HyperLogLog). Lists cannot be filtered. A Redis failure fails the tuple.
/// </summary>
public sealed class RedisFilterBolt : AbstractRedisBolt
{
    private readonly IRedisFilterMapper _mapper;

    /// <summary>Filters through <paramref name="connection"/> as <paramref name="mapper"/> says.</summary>
    public RedisFilterBolt(RedisConnectionConfig connection, IRedisFilterMapper mapper)
        : base(connection)
    {
        _mapper = mapper ?? throw new ArgumentNullException(nameof(mapper));
        var d = mapper.DataTypeDescription;
        if (d.DataType == RedisDataType.List)
        {
            throw new ArgumentException("the Redis filter bolt cannot filter on a list", nameof(mapper));
        }

        if (d.DataType == RedisDataType.Set && string.IsNullOrEmpty(d.AdditionalKey))
        {
            throw new ArgumentException("filtering on a set needs the set's key as the additional key", nameof(mapper));
        }
    }

    /// <inheritdoc/>
    public override void Execute(ITuple input)
    {
        try
        {
            var key = _mapper.GetKeyFromTuple(input);
            var d = _mapper.DataTypeDescription;
            var db = Database;
            var found = d.DataType switch
            {
                RedisDataType.String => db.KeyExists(key),
                RedisDataType.Hash => db.HashExists(d.AdditionalKey!, key),
                RedisDataType.Set => db.SetContains(d.AdditionalKey!, key),
                RedisDataType.SortedSet => db.SortedSetRank(d.AdditionalKey!, key) is not null,
                RedisDataType.HyperLogLog => db.HyperLogLogLength(key) > 0,
                _ => throw new NotSupportedException($"Redis data type {d.DataType} cannot be filtered on"),
            };
            if (found)
            {
                Collector.Emit(input, input.Values);
            }

            Collector.Ack(input);
        }
        catch (Exception e) when (IsRedisFailure(e))
        {
            FailWith(input, e);
        }
    }

    /// <inheritdoc/>
    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => _mapper.DeclareOutputFields(declarer);
}
