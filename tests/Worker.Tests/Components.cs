using System.Collections.Concurrent;
using StormSharp.Topology;

namespace StormSharp.Worker.Tests;

/// <summary>What test components saw, by a key per test: components are rebuilt from shipped state, so they report here.</summary>
internal static class Board
{
    private static readonly ConcurrentDictionary<string, Record> Records = new(StringComparer.Ordinal);

    public static Record Of(string key) => Records.GetOrAdd(key, _ => new Record());

    public static void Forget(string key) => Records.TryRemove(key, out _);

    internal sealed class Record
    {
        public ConcurrentDictionary<long, int> Acked { get; } = new();

        public ConcurrentDictionary<long, int> Failed { get; } = new();

        public ConcurrentDictionary<string, long> Counts { get; } = new(StringComparer.Ordinal);

        public long Executed;
    }
}

/// <summary>Emits sentences 0..count-1 of a fixed vocabulary, tracked by their number; replays what fails.</summary>
internal sealed class SentenceSpout(string key, long count) : BaseRichSpout
{
    private static readonly string[] Words = ["storm", "tuple", "bolt", "spout", "acker", "nimbus", "worker", "stream"];

    [NonSerialized]
    private ISpoutOutputCollector? _collector;
    [NonSerialized]
    private Queue<long>? _replay;
    private long _next;

    public static string SentenceOf(long n) => $"{Words[n % 8]} {Words[(n / 8) % 8]} {Words[(n / 64) % 8]}";

    public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector)
    {
        _collector = collector;
        _replay = new Queue<long>();
    }

    public override void NextTuple()
    {
        long n;
        if (_replay!.Count > 0)
        {
            n = _replay.Dequeue();
        }
        else if (_next < count)
        {
            n = _next++;
        }
        else
        {
            return;
        }

        _collector!.Emit(new Values(SentenceOf(n)), n);
    }

    public override void Ack(object msgId) => Board.Of(key).Acked.AddOrUpdate((long)msgId, 1, (_, c) => c + 1);

    public override void Fail(object msgId)
    {
        Board.Of(key).Failed.AddOrUpdate((long)msgId, 1, (_, c) => c + 1);
        _replay!.Enqueue((long)msgId);
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("sentence"));
}

internal sealed class SplitBolt : BaseBasicBolt
{
    public override void Execute(ITuple input, IBasicOutputCollector collector)
    {
        foreach (var w in input.GetString(0)!.Split(' '))
        {
            collector.Emit(new Values(w));
        }
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("word"));
}

/// <summary>Counts words per task and reports each word's count under "task/word".</summary>
internal sealed class CountBolt(string key) : BaseBasicBolt
{
    [NonSerialized]
    private TopologyContext? _context;

    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context) => _context = context;

    public override void Execute(ITuple input, IBasicOutputCollector collector)
    {
        var record = Board.Of(key);
        record.Counts.AddOrUpdate(_context!.ThisTaskId + "/" + input.GetString(0), 1, (_, c) => c + 1);
        Interlocked.Increment(ref record.Executed);
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
    }
}

/// <summary>Emits as fast as it is asked, untracked, counting what it emitted.</summary>
internal sealed class FloodSpout(string key) : BaseRichSpout
{
    [NonSerialized]
    private ISpoutOutputCollector? _collector;
    private long _n;

    public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector) => _collector = collector;

    public override void NextTuple()
    {
        _collector!.Emit(new Values(_n++));
        Interlocked.Increment(ref Board.Of(key).Executed);
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("n"));
}

/// <summary>Takes a millisecond per tuple: a bolt far slower than its spout.</summary>
internal sealed class SlowBolt(string key) : BaseBasicBolt
{
    public override void Execute(ITuple input, IBasicOutputCollector collector)
    {
        Thread.Sleep(1);
        Interlocked.Increment(ref Board.Of(key).Executed);
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
    }
}

/// <summary>Emits, unanchored, a string of <paramref name="bytes"/> characters for each tuple it receives.</summary>
internal sealed class RelayBolt(int bytes) : BaseRichBolt
{
    [NonSerialized]
    private IOutputCollector? _collector;
    [NonSerialized]
    private string? _payload;

    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector)
    {
        _collector = collector;
        _payload = new string('x', bytes);
    }

    public override void Execute(ITuple input) => _collector!.Emit(new Values(_payload));

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("n"));
}

/// <summary>Counts what reaches it.</summary>
internal sealed class TallyBolt(string key) : BaseBasicBolt
{
    public override void Execute(ITuple input, IBasicOutputCollector collector) => Interlocked.Increment(ref Board.Of(key).Executed);

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
    }
}
