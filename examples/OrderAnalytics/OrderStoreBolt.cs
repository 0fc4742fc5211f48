using System.Diagnostics;
using StackExchange.Redis;
using StormSharp.Connectors.Redis;
using StormSharp.Topology;

namespace StormSharp.Examples.OrderAnalytics;

/// <summary>
/// Aggregates orders per category and per minute into Redis, exactly once per order however often a tuple is
/// replayed: orders are gathered in batches, and one script per batch adds each order id to a set and counts the
/// order (orders and revenue in cents, per category, per minute, in total) only when the id was new. A batch's
/// tuples are acked once the script has run and failed when it did not, so a replay never double counts and a
/// failure never loses an order. The <c>invalid</c> stream is counted the same way, by Kafka partition and offset.
/// </summary>
public sealed class OrderStoreBolt : BaseRichBolt
{
    private const string OrdersScript = """
        local n = 0
        for i = 1, #ARGV, 4 do
          if redis.call('SADD', KEYS[1], ARGV[i]) == 1 then
            redis.call('HINCRBY', KEYS[2], ARGV[i + 1], 1)
            redis.call('HINCRBY', KEYS[3], ARGV[i + 1], ARGV[i + 3])
            redis.call('HINCRBY', KEYS[4], ARGV[i + 2], 1)
            redis.call('HINCRBY', KEYS[5], ARGV[i + 2], ARGV[i + 3])
            redis.call('INCR', KEYS[6])
            redis.call('INCRBY', KEYS[7], ARGV[i + 3])
            n = n + 1
          end
        end
        return n
        """;

    private const string InvalidScript = """
        local n = 0
        for i = 1, #ARGV do
          if redis.call('SADD', KEYS[1], ARGV[i]) == 1 then
            redis.call('INCR', KEYS[2])
            n = n + 1
          end
        end
        return n
        """;

    private static readonly RedisKey[] OrderKeys =
        [RedisKeys.Seen, RedisKeys.CategoryOrders, RedisKeys.CategoryRevenue, RedisKeys.MinuteOrders, RedisKeys.MinuteRevenue, RedisKeys.Orders, RedisKeys.Revenue];

    private static readonly RedisKey[] InvalidKeys = [RedisKeys.InvalidSeen, RedisKeys.Invalid];

    private readonly RedisConnectionConfig _redis;
    private readonly int _batchSize = 200;

    [NonSerialized]
    private ConnectionMultiplexer? _connection;
    [NonSerialized]
    private IOutputCollector? _collector;
    [NonSerialized]
    private List<ITuple>? _orders;
    [NonSerialized]
    private List<ITuple>? _invalid;
    [NonSerialized]
    private long _firstAt;

    public OrderStoreBolt(RedisConnectionConfig redis) => _redis = redis;

    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector)
    {
        _collector = collector;
        _connection = _redis.Connect();
        _orders = [];
        _invalid = [];
    }

    public override void Execute(ITuple input)
    {
        if (!Utils.IsTick(input))
        {
            if (_orders!.Count + _invalid!.Count == 0)
            {
                _firstAt = Stopwatch.GetTimestamp();
            }

            (input.SourceStreamId == ParseOrderBolt.InvalidStream ? _invalid! : _orders!).Add(input);
            if (_orders.Count + _invalid.Count < _batchSize && Stopwatch.GetElapsedTime(_firstAt) < TimeSpan.FromMilliseconds(200))
            {
                return;
            }
        }

        Flush(_orders!, OrdersScript, OrderKeys, t => [t.GetStringByField("orderId"), t.GetStringByField("category"), t.GetLongByField("minute"), t.GetLongByField("amountCents")]);
        Flush(_invalid!, InvalidScript, InvalidKeys, t => [t.GetStringByField("place")]);
    }

    public override void Cleanup()
    {
        _connection?.Dispose();
        _connection = null;
    }

    public override IDictionary<string, object?>? GetComponentConfiguration() =>
        new Dictionary<string, object?>(StringComparer.Ordinal) { [Config.TopologyTickTupleFreqSecs] = 1 };

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
    }

    private void Flush(List<ITuple> batch, string script, RedisKey[] keys, Func<ITuple, RedisValue[]> args)
    {
        if (batch.Count == 0)
        {
            return;
        }

        try
        {
            var values = new List<RedisValue>(batch.Count * 4);
            foreach (var t in batch)
            {
                values.AddRange(args(t));
            }

            _connection!.GetDatabase().ScriptEvaluate(script, keys, [.. values]);
            foreach (var t in batch)
            {
                _collector!.Ack(t);
            }
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            _collector!.ReportError(e);
            foreach (var t in batch)
            {
                _collector.Fail(t);
            }
        }
        finally
        {
            batch.Clear();
        }
    }
}
