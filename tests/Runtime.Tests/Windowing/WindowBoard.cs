using System.Collections.Concurrent;
using StormSharp.Topology;
using StormSharp.Topology.Windowing;

namespace StormSharp.Runtime.Tests.Windowing;

/// <summary>What the windowing tests' components saw, in one log per test key, in the order it happened.</summary>
internal static class WindowBoard
{
    private static readonly ConcurrentDictionary<string, Log> Logs = new();

    public static Log Of(string key) => Logs.GetOrAdd(key, _ => new Log());

    public static void Forget(string key) => Logs.TryRemove(key, out _);

    internal sealed record Fired(long[] All, long[] New, long[] Expired, long? Start, long End);

    internal sealed class Log
    {
        private readonly object _gate = new();

        /// <summary>Window fires and acks, interleaved as they happened: a fire is a <see cref="Fired"/>, an ack a long.</summary>
        public List<object> Events { get; } = [];

        public ConcurrentQueue<long> Late { get; } = new();

        public ConcurrentDictionary<long, int> Acked { get; } = new();

        public ConcurrentDictionary<long, int> Failed { get; } = new();

        public long Emitted;

        public long MaxEnd = long.MinValue;

        public void Add(object e)
        {
            lock (_gate)
            {
                Events.Add(e);
            }
        }

        public List<Fired> Windows()
        {
            lock (_gate)
            {
                return Events.OfType<Fired>().ToList();
            }
        }

        public List<object> Snapshot()
        {
            lock (_gate)
            {
                return [.. Events];
            }
        }
    }
}

/// <summary>
/// Emits ("n", "ts") tuples with message id n: first <c>first</c>, then, once a window ending at or after
/// <c>gateEnd</c> has fired (when given), <c>second</c>. Records acks and fails on the board.
/// </summary>
internal sealed class ScriptSpout(string key, long[][] first, long[][] second, long gateEnd, int pauseMs) : BaseRichSpout
{
    [NonSerialized]
    private ISpoutOutputCollector? _collector;
    private int _next;

    public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector) => _collector = collector;

    public override void NextTuple()
    {
        var log = WindowBoard.Of(key);
        long[] t;
        if (_next < first.Length)
        {
            t = first[_next];
        }
        else if (_next - first.Length < second.Length && Volatile.Read(ref log.MaxEnd) >= gateEnd)
        {
            t = second[_next - first.Length];
        }
        else
        {
            return;
        }

        _next++;
        _collector!.Emit([t[0], t[1]], t[0]);
        Interlocked.Increment(ref log.Emitted);
        if (pauseMs > 0)
        {
            Thread.Sleep(pauseMs);
        }
    }

    public override void Ack(object msgId)
    {
        var log = WindowBoard.Of(key);
        log.Acked.AddOrUpdate((long)msgId, 1, (_, n) => n + 1);
        log.Add((long)msgId);
    }

    public override void Fail(object msgId) => WindowBoard.Of(key).Failed.AddOrUpdate((long)msgId, 1, (_, n) => n + 1);

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("n", "ts"));
}

/// <summary>Records every window it is given on the board and emits its size.</summary>
internal sealed class RecordingWindowBolt(string key) : BaseWindowedBolt
{
    [NonSerialized]
    private IOutputCollector? _collector;

    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector) => _collector = collector;

    public override void Execute(TupleWindow window)
    {
        static long[] Ns(IReadOnlyList<ITuple> ts) => ts.Select(t => t.GetLongByField("n")).ToArray();
        var log = WindowBoard.Of(key);
        log.Add(new WindowBoard.Fired(Ns(window.Get()), Ns(window.GetNew()), Ns(window.GetExpired()), window.StartTimestamp, window.EndTimestamp));
        long seen;
        while ((seen = Volatile.Read(ref log.MaxEnd)) < window.EndTimestamp && Interlocked.CompareExchange(ref log.MaxEnd, window.EndTimestamp, seen) != seen)
        {
        }

        _collector!.Emit([(long)window.Get().Count]);
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("size"));
}

/// <summary>Records the "n" of every late tuple it receives.</summary>
internal sealed class LateRecorder(string key) : BaseBasicBolt
{
    public override void Execute(ITuple input, IBasicOutputCollector collector)
    {
        var values = (IReadOnlyList<object?>)input.GetValueByField(WindowedBoltExecutorFields.LateTuple)!;
        WindowBoard.Of(key).Late.Enqueue(Convert.ToInt64(values[0], System.Globalization.CultureInfo.InvariantCulture));
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
    }
}

internal static class WindowedBoltExecutorFields
{
    public const string LateTuple = "late_tuple";
}
