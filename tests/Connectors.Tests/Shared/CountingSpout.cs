using System.Collections.Concurrent;
using StormSharp.Topology;

namespace StormSharp.Connectors.Tests.Shared;

/// <summary>What a <see cref="CountingSpout"/> saw: acks and fails by message id, and a signal when every tuple is settled.</summary>
public sealed class SpoutRun(int count)
{
    private readonly TaskCompletionSource _settled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _allAcked = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _settledCount;

    public ConcurrentDictionary<int, int> Acked { get; } = new();

    public ConcurrentDictionary<int, int> Failed { get; } = new();

    /// <summary>Completes when acks and fails together reach the count.</summary>
    public Task Settled => _settled.Task;

    /// <summary>Completes when every id has been acked at least once.</summary>
    public Task AllAcked => _allAcked.Task;

    public void Ack(int id)
    {
        if (Acked.AddOrUpdate(id, 1, (_, n) => n + 1) == 1 && Acked.Count >= count)
        {
            _allAcked.TrySetResult();
        }

        Settle();
    }

    public void Fail(int id)
    {
        Failed.AddOrUpdate(id, 1, (_, n) => n + 1);
        Settle();
    }

    private void Settle()
    {
        if (Interlocked.Increment(ref _settledCount) >= count)
        {
            _settled.TrySetResult();
        }
    }
}

/// <summary>
/// Emits tuples made by <see cref="TupleSource"/> for ids 0..count-1, once each, with the id as message id; with
/// <c>replay</c> a failed id is emitted again, as a reliable spout would. One task.
/// </summary>
public sealed class CountingSpout : BaseRichSpout
{
    public static readonly ConcurrentDictionary<string, SpoutRun> Runs = new();

    private readonly string _run;
    private readonly int _count;
    private readonly Fields _fields;
    private readonly TupleSource _source;
    private readonly bool _replay;

    [NonSerialized]
    private ISpoutOutputCollector? _collector;
    [NonSerialized]
    private int _next;
    [NonSerialized]
    private Queue<int>? _again;

    public CountingSpout(string run, int count, TupleSource source, bool replay = false)
    {
        _run = run;
        _count = count;
        _source = source;
        _fields = source.Fields;
        _replay = replay;
    }

    public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector)
    {
        _collector = collector;
        _again = new Queue<int>();
    }

    public override void NextTuple()
    {
        if (_again!.TryDequeue(out var id))
        {
            _collector!.Emit(_source.Make(id), id);
        }
        else if (_next < _count)
        {
            _collector!.Emit(_source.Make(_next), _next);
            _next++;
        }
    }

    public override void Ack(object msgId) => Runs[_run].Ack((int)msgId);

    public override void Fail(object msgId)
    {
        Runs[_run].Fail((int)msgId);
        if (_replay)
        {
            _again!.Enqueue((int)msgId);
        }
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(_fields);
}

/// <summary>The tuples a <see cref="CountingSpout"/> emits: fields "key", "message", "topic" and "n", from an id.</summary>
public class TupleSource
{
    private readonly string[] _topics;

    public TupleSource(params string[] topics) => _topics = topics;

    public virtual Fields Fields => new("key", "message", "topic", "n");

    public virtual IReadOnlyList<object?> Make(int id) =>
        new Values("key-" + id, "message-" + id, _topics.Length == 0 ? null : _topics[id % _topics.Length], id);
}
