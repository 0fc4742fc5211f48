using System.Diagnostics;
using StormSharp.Benchmarks.Engine.Measurement;
using StormSharp.Benchmarks.Engine.Peers;
using StormSharp.Topology;

namespace StormSharp.Benchmarks.Engine.Topologies;

/// <summary>storm-perf's ConstSpout: emits the same tuple forever, with a message id (a counter) when acking is measured.</summary>
public sealed class ConstSpout : BaseRichSpout
{
    private bool _withIds;

    [NonSerialized]
    private ISpoutOutputCollector? _collector;

    [NonSerialized]
    private Values? _tuple;

    [NonSerialized]
    private long _next;

    [NonSerialized]
    private long _acked;

    [NonSerialized]
    private long _failed;

    [NonSerialized]
    private int _slot;

    public ConstSpout(bool withIds)
    {
        _withIds = withIds;
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("str"));

    public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector)
    {
        _collector = collector;
        _tuple = new Values(PipelineShape.ConstValue);
        _slot = context.ThisTaskIndex;
    }

    public override void NextTuple()
    {
        if (_withIds)
        {
            _collector!.Emit(_tuple!, _next++);
        }
        else
        {
            _collector!.Emit(_tuple!);
        }
    }

    public override void Ack(object msgId) => EngineProbes.Acked.Publish(_slot, ++_acked);

    public override void Fail(object msgId) => EngineProbes.Failed.Publish(_slot, ++_failed);
}

/// <summary>Acks and counts (storm-perf's DevNullBolt).</summary>
public sealed class NullBolt : BaseRichBolt
{
    [NonSerialized]
    private IOutputCollector? _collector;

    [NonSerialized]
    private long _count;

    [NonSerialized]
    private int _slot;

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
    }

    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector)
    {
        _collector = collector;
        _slot = context.ThisTaskIndex;
    }

    public override void Execute(ITuple input)
    {
        _collector!.Ack(input);
        EngineProbes.Sunk.Publish(_slot, ++_count);
    }
}

/// <summary>A bolt held to a fixed rate (it sleeps when ahead), to overload the topology in front of it.</summary>
public sealed class SlowBolt : BaseRichBolt
{
    private double _tuplesPerSecond;

    [NonSerialized]
    private IOutputCollector? _collector;

    [NonSerialized]
    private long _count;

    [NonSerialized]
    private long _start;

    public SlowBolt(double tuplesPerSecond)
    {
        _tuplesPerSecond = tuplesPerSecond;
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
    }

    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector)
    {
        _collector = collector;
        _start = Stopwatch.GetTimestamp();
    }

    public override void Execute(ITuple input)
    {
        _collector!.Ack(input);
        EngineProbes.Sunk.Publish(0, ++_count);
        if ((_count & 63) == 0)
        {
            var allowed = Stopwatch.GetElapsedTime(_start).TotalSeconds * _tuplesPerSecond;
            if (_count > allowed)
            {
                Thread.Sleep(1);
            }
        }
    }
}

/// <summary>
/// ThroughputVsLatency's sentence spout: emits at a fixed offered rate (0: as fast as max pending allows) with the
/// emit timestamp as message id, and records the complete latency when the tree is acked.
/// </summary>
public sealed class SentenceSpout : BaseRichSpout
{
    private double _rate;

    [NonSerialized]
    private ISpoutOutputCollector? _collector;

    [NonSerialized]
    private Pacer? _pacer;

    [NonSerialized]
    private Values[]? _sentences;

    [NonSerialized]
    private long _emitted;

    [NonSerialized]
    private long _acked;

    [NonSerialized]
    private long _failed;

    [NonSerialized]
    private int _slot;

    public SentenceSpout(double rate)
    {
        _rate = rate;
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("sentence"));

    public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector)
    {
        _collector = collector;
        _pacer = new Pacer(_rate);
        _slot = context.ThisTaskIndex;
        _sentences = new Values[PipelineShape.Sentences.Length];
        for (var i = 0; i < _sentences.Length; i++)
        {
            _sentences[i] = new Values(PipelineShape.Sentences[i]);
        }
    }

    public override void NextTuple()
    {
        // One tuple per call when unpaced, so the executor's max-pending check runs between emits.
        var due = _pacer!.Due(_pacer.Unlimited ? 1 : 16);
        for (var i = 0; i < due; i++)
        {
            _collector!.Emit(_sentences![(int)(_emitted++ % _sentences.Length)], Stopwatch.GetTimestamp());
        }
    }

    public override void Ack(object msgId)
    {
        EngineProbes.Latency.RecordTicks(Stopwatch.GetTimestamp() - (long)msgId);
        EngineProbes.Acked.Publish(_slot, ++_acked);
    }

    public override void Fail(object msgId) => EngineProbes.Failed.Publish(_slot, ++_failed);
}

/// <summary>Splits a sentence into words, each anchored to it.</summary>
public sealed class SplitBolt : BaseBasicBolt
{
    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("word"));

    public override void Execute(ITuple input, IBasicOutputCollector collector)
    {
        foreach (var word in ((string)input.GetValue(0)!).Split(' '))
        {
            collector.Emit(new Values(word));
        }
    }
}

/// <summary>The split bolt in Python (resources/split.py) over the multilang protocol: the same split as <see cref="SplitBolt"/>.</summary>
public sealed class PythonSplitBolt() : ShellBolt("python3", "split.py")
{
    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("word"));
}

/// <summary>Counts words (the per-word work of every peer's count stage).</summary>
public sealed class CountBolt : BaseBasicBolt
{
    [NonSerialized]
    private Dictionary<string, long>? _counts;

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("word", "count"));

    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context) =>
        _counts = new Dictionary<string, long>(StringComparer.Ordinal);

    public override void Execute(ITuple input, IBasicOutputCollector collector) =>
        System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_counts!, (string)input.GetValue(0)!, out _)++;
}
