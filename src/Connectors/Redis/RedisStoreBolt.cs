using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;
using StormSharp.Topology;

namespace StormSharp.Connectors.Redis;

/// <summary>
/// Writes each tuple to Redis as its <see cref="IRedisStoreMapper"/> says (storm-redis's RedisStoreBolt): SET,
/// HSET, RPUSH, SADD, ZADD or PFADD. Writes are pipelined in batches of <see cref="BatchSize"/> tuples; a batch is
/// sent when full, when its first tuple has waited <see cref="FlushInterval"/>, or at the next tick tuple (every
/// second); its tuples are acked once every write of the batch has succeeded, and all failed otherwise.
/// </summary>
/// <remarks>
/// A replayed tuple is written again: SET, HSET, SADD, ZADD and PFADD are idempotent, RPUSH is not (a list gets the
/// value twice), as in storm-redis.
/// </remarks>
public sealed class RedisStoreBolt : AbstractRedisBolt
{
    private readonly IRedisStoreMapper _mapper;
    private int _batchSize = 100;
    private TimeSpan _flushInterval = TimeSpan.FromMilliseconds(50);

    [NonSerialized]
    private List<ITuple>? _tuples;
    [NonSerialized]
    private List<(RedisKey Key, RedisValue Member, RedisValue Value, double Score)>? _writes;
    [NonSerialized]
    private long _firstAt;

    /// <summary>Writes through <paramref name="connection"/> as <paramref name="mapper"/> says.</summary>
    public RedisStoreBolt(RedisConnectionConfig connection, IRedisStoreMapper mapper)
        : base(connection)
    {
        _mapper = mapper ?? throw new ArgumentNullException(nameof(mapper));
    }

    /// <summary>Tuples per pipelined batch. Default 100; 1 writes each tuple on its own.</summary>
    public int BatchSize => _batchSize;

    /// <summary>The longest a tuple waits in a batch that is not full. Default 50 ms.</summary>
    public TimeSpan FlushInterval => _flushInterval;

    /// <summary>Sets <see cref="BatchSize"/> (at least 1).</summary>
    public RedisStoreBolt WithBatchSize(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        _batchSize = size;
        return this;
    }

    /// <summary>Sets <see cref="FlushInterval"/> (0 or more).</summary>
    public RedisStoreBolt WithFlushInterval(TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, TimeSpan.Zero);
        _flushInterval = interval;
        return this;
    }

    /// <inheritdoc/>
    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector)
    {
        base.Prepare(conf, context, collector);
        _tuples = new List<ITuple>(_batchSize);
        _writes = new(_batchSize);
    }

    /// <inheritdoc/>
    public override void Execute(ITuple input)
    {
        if (Utils.IsTick(input))
        {
            Flush();
            return;
        }

        try
        {
            var key = _mapper.GetKeyFromTuple(input);
            var value = _mapper.GetValueFromTuple(input);
            var d = _mapper.DataTypeDescription;
            var score = d.DataType == RedisDataType.SortedSet ? ParseScore(value) : 0;
            _writes!.Add(d.DataType is RedisDataType.Hash or RedisDataType.SortedSet
                ? (d.AdditionalKey!, key, value, score)
                : (key, RedisValue.Null, value, score));
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException)
        {
            FailWith(input, e);
            return;
        }

        if (_tuples!.Count == 0)
        {
            _firstAt = Stopwatch.GetTimestamp();
        }

        _tuples.Add(input);
        if (_tuples.Count >= _batchSize || Stopwatch.GetElapsedTime(_firstAt) >= _flushInterval)
        {
            Flush();
        }
    }

    /// <inheritdoc/>
    public override void Cleanup()
    {
        Flush();
        base.Cleanup();
    }

    /// <inheritdoc/>
    public override IDictionary<string, object?>? GetComponentConfiguration() =>
        new Dictionary<string, object?>(StringComparer.Ordinal) { [Config.TopologyTickTupleFreqSecs] = 1 };

    /// <inheritdoc/>
    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
    }

    private static double ParseScore(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var s)
            ? s
            : throw new FormatException($"a sorted set's score must be a number; the mapper gave '{value}'");

    private void Flush()
    {
        if (_tuples is null || _tuples.Count == 0)
        {
            return;
        }

        var type = _mapper.DataTypeDescription.DataType;
        var tasks = new Task[_writes!.Count];
        try
        {
            var batch = Database.CreateBatch();
            for (var i = 0; i < tasks.Length; i++)
            {
                var (key, member, value, score) = _writes[i];
                tasks[i] = type switch
                {
                    RedisDataType.String => batch.StringSetAsync(key, value),
                    RedisDataType.Hash => batch.HashSetAsync(key, member, value),
                    RedisDataType.List => batch.ListRightPushAsync(key, value),
                    RedisDataType.Set => batch.SetAddAsync(key, value),
                    RedisDataType.SortedSet => batch.SortedSetAddAsync(key, member, score),
                    RedisDataType.HyperLogLog => batch.HyperLogLogAddAsync(key, value),
                    _ => throw new NotSupportedException($"Redis data type {type} cannot be stored"),
                };
            }

            batch.Execute();
            if (!Task.WaitAll(tasks, CommandTimeout + CommandTimeout))
            {
                throw new TimeoutException($"a batch of {tasks.Length} Redis writes did not finish in {(CommandTimeout + CommandTimeout).TotalMilliseconds} ms");
            }

            foreach (var t in _tuples)
            {
                Collector.Ack(t);
            }
        }
        catch (Exception e) when (IsRedisFailure(e))
        {
            foreach (var t in tasks)
            {
                // Observe every write's outcome so that none goes unobserved once the batch is given up.
                _ = t?.ContinueWith(static x => x.Exception, TaskScheduler.Default);
            }

            Collector.ReportError(new InvalidOperationException($"a batch of {_tuples.Count} Redis writes failed; its tuples are failed for replay: {e.GetBaseException().Message}", e));
            foreach (var t in _tuples)
            {
                Collector.Fail(t);
            }
        }
        finally
        {
            _tuples.Clear();
            _writes.Clear();
        }
    }
}
