using System.Globalization;
using StackExchange.Redis;
using StormSharp.Connectors.Redis;
using StormSharp.Topology;

namespace StormSharp.Benchmarks.Ysb.Topology;

/// <summary>
/// YSB's <c>campaign_processor</c>: counts each view in its campaign's 10-second event-time window and acks it; a
/// flusher thread of its own writes the windows counted since its last round to Redis every
/// <see cref="FlushMillis"/> (YSB: 1,000 ms). As in YSB, a tuple is acked once counted in memory: a worker that dies
/// loses the counts of its last flush interval, and a replay after a timeout counts twice (at-least-once). Cleanup
/// stops the flusher and writes what is left.
/// </summary>
public sealed class CampaignProcessor : BaseRichBolt
{
    private readonly RedisConnectionConfig _redis;
    private readonly int _flushMillis;

    [NonSerialized]
    private IOutputCollector? _collector;
    [NonSerialized]
    private ConnectionMultiplexer? _connection;
    [NonSerialized]
    private CampaignWindows? _windows;
    [NonSerialized]
    private CancellationTokenSource? _stop;
    [NonSerialized]
    private Thread? _flusher;
    [NonSerialized]
    private Exception? _flushError;

    /// <summary>A processor writing to <paramref name="redis"/> every <paramref name="flushMillis"/> ms (at least 1).</summary>
    public CampaignProcessor(RedisConnectionConfig redis, int flushMillis)
    {
        _redis = redis ?? throw new ArgumentNullException(nameof(redis));
        ArgumentOutOfRangeException.ThrowIfLessThan(flushMillis, 1, nameof(flushMillis));
        _flushMillis = flushMillis;
    }

    /// <summary>How often the counted windows are written, in milliseconds.</summary>
    public int FlushMillis => _flushMillis;

    /// <inheritdoc/>
    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector)
    {
        _collector = collector;
        _connection = _redis.Connect();
        _windows = new CampaignWindows();
        _stop = new CancellationTokenSource();
        var db = _connection.GetDatabase();
        var stop = _stop.Token;
        _flusher = new Thread(() => FlushLoop(db, stop))
        {
            IsBackground = true,
            Name = $"ysb-flusher-{context.ThisTaskId.ToString(CultureInfo.InvariantCulture)}",
        };
        _flusher.Start();
    }

    /// <inheritdoc/>
    public override void Execute(ITuple input)
    {
        // The flusher's errors are reported from the executor's thread, where the collector is used.
        if (Volatile.Read(ref _flushError) is not null && Interlocked.Exchange(ref _flushError, null) is { } error)
        {
            _collector!.ReportError(error);
        }

        if (!long.TryParse(input.GetStringByField("event_time"), NumberStyles.None, CultureInfo.InvariantCulture, out var eventTime))
        {
            _collector!.ReportError(new FormatException($"event_time '{input.GetStringByField("event_time")}' is no time in milliseconds"));
            _collector.Ack(input);
            return;
        }

        _windows!.Add(input.GetStringByField("campaign_id") ?? string.Empty, eventTime);
        _collector!.Ack(input);
    }

    /// <inheritdoc/>
    public override void Cleanup()
    {
        if (_stop is null)
        {
            return;
        }

        _stop.Cancel();
        _flusher?.Join(TimeSpan.FromSeconds(10));
        try
        {
            _windows!.FlushAsync(_connection!.GetDatabase()).GetAwaiter().GetResult();
        }
        catch (RedisException)
        {
            // Redis is away at shutdown: those counts are lost, as a dead worker's would be.
        }

        _connection?.Dispose();
        _stop.Dispose();
        _stop = null;
    }

    /// <inheritdoc/>
    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
    }

    private void FlushLoop(IDatabase db, CancellationToken stop)
    {
        // Sleep, then flush, as YSB's flusher does: the flushes keep their period from the end of the one before.
        while (!stop.WaitHandle.WaitOne(FlushMillis))
        {
            try
            {
                _windows!.FlushAsync(db).GetAwaiter().GetResult();
            }
            catch (RedisException e)
            {
                Volatile.Write(ref _flushError, e);
            }
        }
    }
}
