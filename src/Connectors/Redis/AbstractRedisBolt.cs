using StackExchange.Redis;
using StormSharp.Topology;

namespace StormSharp.Connectors.Redis;

/// <summary>
/// What the Redis bolts share (storm-redis's AbstractRedisBolt): a connection per task opened in Prepare from a
/// <see cref="RedisConnectionConfig"/> and closed in Cleanup. A command that fails (server away, timeout) fails its
/// tuples and reports the error, so a reliable spout replays them once Redis is back; the connection reconnects by
/// itself.
/// </summary>
public abstract class AbstractRedisBolt : BaseRichBolt
{
    private readonly RedisConnectionConfig _connection;

    [NonSerialized]
    private ConnectionMultiplexer? _multiplexer;
    [NonSerialized]
    private IOutputCollector? _collector;

    /// <summary>Connects through <paramref name="connection"/>.</summary>
    protected AbstractRedisBolt(RedisConnectionConfig connection)
    {
        _connection = connection ?? throw new ArgumentNullException(nameof(connection));
    }

    /// <summary>The collector, from Prepare on.</summary>
    protected IOutputCollector Collector => _collector ?? throw new InvalidOperationException("the bolt is not prepared");

    /// <summary>The database commands go to, from Prepare on.</summary>
    protected IDatabase Database => _multiplexer?.GetDatabase() ?? throw new InvalidOperationException("the bolt is not prepared");

    /// <summary>How long a command or a batch may take.</summary>
    protected TimeSpan CommandTimeout => TimeSpan.FromMilliseconds(_connection.TimeoutMs);

    /// <inheritdoc/>
    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector)
    {
        _collector = collector;
        _multiplexer = _connection.Connect();
    }

    /// <inheritdoc/>
    public override void Cleanup()
    {
        _multiplexer?.Dispose();
        _multiplexer = null;
    }

    /// <summary>Fails <paramref name="input"/> and reports <paramref name="error"/> as this bolt's error.</summary>
    protected void FailWith(ITuple input, Exception error)
    {
        Collector.ReportError(error);
        Collector.Fail(input);
    }

    /// <summary>Whether <paramref name="e"/> is a Redis failure a retry can cure, rather than a bug.</summary>
    protected static bool IsRedisFailure(Exception e) => e is RedisException or TimeoutException or AggregateException or ArgumentException or FormatException;
}
