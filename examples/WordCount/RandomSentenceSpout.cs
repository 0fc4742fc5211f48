using StormSharp.Topology;

namespace StormSharp.Examples.WordCount;

/// <summary>
/// Emits sentences picked at random from a fixed list, each with a message id, and emits a sentence again
/// when its tuple fails or times out (at-least-once).
/// </summary>
public sealed class RandomSentenceSpout : BaseRichSpout
{
    private static readonly string[] Sentences =
    [
        "the cow jumped over the moon",
        "an apple a day keeps the doctor away",
        "four score and seven years ago",
        "snow white and the seven dwarfs",
        "i am at two with nature",
        "the quick brown fox jumps over the lazy dog",
    ];

    // Shipped with the component: plain values only.
    private readonly int _pauseMillis;

    // Created in Open on each task: nothing here travels.
    [NonSerialized]
    private ISpoutOutputCollector? _collector;

    [NonSerialized]
    private Random? _random;

    [NonSerialized]
    private Dictionary<long, string>? _inFlight;

    [NonSerialized]
    private Queue<long>? _toReplay;

    [NonSerialized]
    private long _nextId;

    [NonSerialized]
    private long _nextAt;

    /// <summary>Creates the spout; it emits a sentence every <paramref name="pauseMillis"/> at most, so the output stays readable.</summary>
    public RandomSentenceSpout(int pauseMillis = 50)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pauseMillis);
        _pauseMillis = pauseMillis;
    }

    public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector)
    {
        _collector = collector;
        _random = new Random();
        _inFlight = [];
        _toReplay = new Queue<long>();
        _nextId = (long)context.ThisTaskId << 40;
    }

    public override void NextTuple()
    {
        // Paced without sleeping: a NextTuple that emits nothing returns at once and is called again shortly, while
        // a sleep would hold the executor's thread (and be moved to a thread of its own as a blocking component).
        if (_pauseMillis > 0)
        {
            var now = Environment.TickCount64;
            if (now < _nextAt)
            {
                return;
            }

            _nextAt = now + _pauseMillis;
        }

        long id;
        string sentence;
        if (_toReplay!.TryDequeue(out id))
        {
            sentence = _inFlight![id];
        }
        else
        {
            id = _nextId++;
            sentence = Sentences[_random!.Next(Sentences.Length)];
            _inFlight![id] = sentence;
        }

        _collector!.Emit(new Values(sentence), id);
    }

    public override void Ack(object msgId) => _inFlight!.Remove((long)msgId);

    public override void Fail(object msgId)
    {
        var id = (long)msgId;
        if (_inFlight!.ContainsKey(id))
        {
            _toReplay!.Enqueue(id);
        }
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("sentence"));
}
