using StackExchange.Redis;
using StormSharp.Topology;

namespace StormSharp.Connectors.Redis;

/// <summary>
/// Looks each tuple's key up in Redis and emits what its <see cref="IRedisLookupMapper"/> makes of the value,
/// anchored to the input (storm-redis's RedisLookupBolt): GET (string), HGET (hash), LPOP (list), SCARD (set),
/// ZSCORE (sorted set), PFCOUNT (HyperLogLog). A missing value is null. A Redis failure fails the tuple.
/// </summary>
public sealed class RedisLookupBolt : AbstractRedisBolt
{
    private readonly IRedisLookupMapper _mapper;

    /// <summary>Looks up through <paramref name="connection"/> as <paramref name="mapper"/> says.</summary>
    public RedisLookupBolt(RedisConnectionConfig connection, IRedisLookupMapper mapper)
        : base(connection)
    {
        _mapper = mapper ?? throw new ArgumentNullException(nameof(mapper));
    }

    /// <inheritdoc/>
    public override void Execute(ITuple input)
    {
        try
        {
            var key = _mapper.GetKeyFromTuple(input);
            var d = _mapper.DataTypeDescription;
            var db = Database;
            object? value = d.DataType switch
            {
                RedisDataType.String => (string?)db.StringGet(key),
                RedisDataType.Hash => (string?)db.HashGet(d.AdditionalKey!, key),
                RedisDataType.List => (string?)db.ListLeftPop(key),
                RedisDataType.Set => db.SetLength(key),
                RedisDataType.SortedSet => db.SortedSetScore(d.AdditionalKey!, key),
                RedisDataType.HyperLogLog => db.HyperLogLogLength(key),
                _ => throw new NotSupportedException($"Redis data type {d.DataType} cannot be looked up"),
            };
            foreach (var values in _mapper.ToTuple(input, value))
            {
                Collector.Emit(input, values);
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
