using StormSharp.Topology;

namespace MyTopology;

/// <summary>
/// A reliable spout: emits words picked at random, each with a message id, keeps each one until it is acked, and
/// emits it again when its tuple fails or times out (at-least-once).
/// </summary>
public sealed class WordSpout : BaseRichSpout
{
    private static readonly string[] Words = ["storm", "spout", "bolt", "tuple", "stream", "acker", "nimbus"];

    // Fields marked [NonSerialized] are created in Open on each task; other fields travel with the component.
    [NonSerialized]
    private ISpoutOutputCollector? _collector;

    [NonSerialized]
    private Random? _random;

    [NonSerialized]
    private Dictionary<long, string>? _pending;

    [NonSerialized]
    private Queue<long>? _failed;

    [NonSerialized]
    private long _nextId;

    public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector)
    {
        _collector = collector;
        _random = new Random();
        _pending = [];
        _failed = new Queue<long>();
        _nextId = (long)context.ThisTaskId << 40;
    }

    public override void NextTuple()
    {
        if (!_failed!.TryDequeue(out var id))
        {
            id = _nextId++;
            _pending![id] = Words[_random!.Next(Words.Length)];
        }

        _collector!.Emit(new Values(_pending![id]), id);
    }

    public override void Ack(object msgId) => _pending!.Remove((long)msgId);

    public override void Fail(object msgId)
    {
        if (_pending!.ContainsKey((long)msgId))
        {
            _failed!.Enqueue((long)msgId);
        }
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("word"));
}
