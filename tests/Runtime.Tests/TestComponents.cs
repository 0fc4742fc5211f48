using System.Collections.Concurrent;
using StormSharp.Topology;

namespace StormSharp.Runtime.Tests;

/// <summary>
/// Shared state between a test and the components it runs. Components are rebuilt from their shipped state in each
/// task, so they reach the test through a key into this board, never through object references.
/// </summary>
internal static class Board
{
    private static readonly ConcurrentDictionary<string, Record> Records = new();

    public static string NewKey() => Guid.NewGuid().ToString("N");

    public static Record Of(string key) => Records.GetOrAdd(key, _ => new Record());

    public static void Forget(string key) => Records.TryRemove(key, out _);

    internal sealed class Record
    {
        public ConcurrentDictionary<object, int> Acked { get; } = new();

        public ConcurrentDictionary<object, int> Failed { get; } = new();

        public ConcurrentQueue<(int Task, IReadOnlyList<object?> Values)> Received { get; } = new();

        public ConcurrentDictionary<int, long> PerTask { get; } = new();

        public long Emitted;
        public long MaxPendingSeen;
        public long Executed;

        public int TotalAcks => Acked.Values.Sum();

        public int TotalFails => Failed.Values.Sum();
    }
}

/// <summary>Emits the integers 0..count-1 (as field "n"), with message ids when tracked; records acks and fails.</summary>
internal sealed class CountingSpout : BaseRichSpout
{
    private readonly string _key;
    private readonly long _count;
    private readonly bool _tracked;
    private readonly string[] _streams;
    [NonSerialized]
    private ISpoutOutputCollector? _collector;
    private long _next;
    private long _stride;

    public CountingSpout(string key, long count, bool tracked = true, params string[] streams)
    {
        _key = key;
        _count = count;
        _tracked = tracked;
        _streams = streams.Length == 0 ? [Utils.DefaultStreamId] : streams;
    }

    public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector)
    {
        _collector = collector;
        _next = context.ThisTaskIndex;
        _stride = context.GetComponentTasks(context.ThisComponentId).Count;
    }

    public override void NextTuple()
    {
        if (_next >= _count)
        {
            return;
        }

        var n = _next;
        _next += _stride;
        var record = Board.Of(_key);
        Interlocked.Increment(ref record.Emitted);
        foreach (var s in _streams)
        {
            _collector!.Emit(s, new Values(n), _tracked ? n : null);
        }

        var pending = _collector!.PendingCount;
        if (pending > Interlocked.Read(ref record.MaxPendingSeen))
        {
            Interlocked.Exchange(ref record.MaxPendingSeen, pending);
        }
    }

    public override void Ack(object msgId) => Board.Of(_key).Acked.AddOrUpdate(msgId, 1, (_, c) => c + 1);

    public override void Fail(object msgId) => Board.Of(_key).Failed.AddOrUpdate(msgId, 1, (_, c) => c + 1);

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
        foreach (var s in _streams)
        {
            declarer.DeclareStream(s, new Fields("n"));
        }
    }
}

/// <summary>Emits fixed values forever, untracked, on the default stream with fields ("key", "value").</summary>
internal sealed class KeySpout : BaseRichSpout
{
    private readonly int _keys;
    [NonSerialized]
    private ISpoutOutputCollector? _collector;
    private long _i;

    public KeySpout(int keys)
    {
        _keys = keys;
    }

    public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector) => _collector = collector;

    public override void NextTuple()
    {
        _i++;
        _collector!.Emit(new Values("k" + (_i % _keys), _i));
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("key", "value"));
}

/// <summary>Records what each task receives, then acks; can pass tuples on anchored (fields kept).</summary>
internal sealed class RecordingBolt : BaseRichBolt
{
    private readonly string _key;
    private readonly bool _forward;
    private readonly string[] _fields;
    [NonSerialized]
    private IOutputCollector? _collector;
    private int _task;

    public RecordingBolt(string key, bool forward = false, params string[] fields)
    {
        _key = key;
        _forward = forward;
        _fields = fields.Length == 0 ? ["n"] : fields;
    }

    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector)
    {
        _collector = collector;
        _task = context.ThisTaskId;
    }

    public override void Execute(ITuple input)
    {
        var record = Board.Of(_key);
        record.Received.Enqueue((_task, input.Values));
        record.PerTask.AddOrUpdate(_task, 1, (_, c) => c + 1);
        Interlocked.Increment(ref record.Executed);
        if (_forward)
        {
            _collector!.Emit(input, input.Values);
        }

        _collector!.Ack(input);
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields(_fields));
}

/// <summary>Emits its input to both of two streams, anchored, then acks (fan-out in the ack tree).</summary>
internal sealed class FanOutBolt : BaseRichBolt
{
    [NonSerialized]
    private IOutputCollector? _collector;

    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector) => _collector = collector;

    public override void Execute(ITuple input)
    {
        _collector!.Emit("left", input, input.Values);
        _collector!.Emit("right", input, input.Values);
        _collector!.Ack(input);
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
        declarer.DeclareStream("left", new Fields("n"));
        declarer.DeclareStream("right", new Fields("n"));
    }
}

/// <summary>Fails tuples whose "n" is divisible by <c>every</c>, acks the others.</summary>
internal sealed class FailingBolt(int every) : BaseRichBolt
{
    [NonSerialized]
    private IOutputCollector? _collector;

    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector) => _collector = collector;

    public override void Execute(ITuple input)
    {
        if (input.GetLong(0) % every == 0)
        {
            _collector!.Fail(input);
        }
        else
        {
            _collector!.Ack(input);
        }
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
    }
}

/// <summary>Never acks what it receives: its spout's tuples must time out.</summary>
internal sealed class DroppingBolt : BaseRichBolt
{
    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector)
    {
    }

    public override void Execute(ITuple input)
    {
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
    }
}

/// <summary>Throws on tuples whose "n" is divisible by <c>every</c>.</summary>
internal sealed class ThrowingBolt(string key, int every) : BaseBasicBolt
{
    public override void Execute(ITuple input, IBasicOutputCollector collector)
    {
        var n = input.GetLong(0);
        if (n % every == 0)
        {
            throw new InvalidOperationException($"boom on {n}");
        }

        Interlocked.Increment(ref Board.Of(key).Executed);
        collector.Emit(new Values(n));
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("n"));
}

/// <summary>Acks after sleeping, tracking how many tuples it holds at once.</summary>
internal sealed class SlowBolt(string key, int sleepMs) : BaseRichBolt
{
    [NonSerialized]
    private IOutputCollector? _collector;

    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector) => _collector = collector;

    public override void Execute(ITuple input)
    {
        Thread.Sleep(sleepMs);
        Interlocked.Increment(ref Board.Of(key).Executed);
        _collector!.Ack(input);
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
    }
}
