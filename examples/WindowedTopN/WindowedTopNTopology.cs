using StormSharp.Topology;
using StormSharp.Topology.Windowing;

namespace StormSharp.Examples.WindowedTopN;

/// <summary>
/// The top words of the last five seconds, every second: random words, counted over a sliding window by a windowed
/// bolt (Storm's BaseWindowedBolt), its output printed. Run it with <c>bin/storm local examples/WindowedTopN</c>.
/// </summary>
public static class WindowedTopNTopology
{
    /// <summary>The name the topology is submitted under.</summary>
    public const string Name = "windowed-top-n";

    /// <summary>Builds the topology: <paramref name="top"/> words over a window of <paramref name="windowSecs"/>, sliding every second.</summary>
    public static StormTopology Build(int top = 5, int windowSecs = 5)
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("words", new RandomWordSpout(), 1);
        builder.SetBolt(
                "top-n",
                new TopNWindowBolt(top).WithWindow(BaseWindowedBolt.Duration.OfSeconds(windowSecs), BaseWindowedBolt.Duration.OfSeconds(1)),
                1)
            .ShuffleGrouping("words");
        builder.SetBolt("print", new PrinterBolt(), 1).GlobalGrouping("top-n");
        return builder.CreateTopology();
    }

    /// <summary>Builds the topology and submits it to the cluster the program runs under.</summary>
    public static void Main(string[] args)
    {
        var conf = new Config();
        conf.SetMaxSpoutPending(5000);
        StormSubmitter.SubmitTopology(Name, conf, Build());
    }
}

/// <summary>Emits a word picked at random every millisecond or so, with a message id.</summary>
public sealed class RandomWordSpout : BaseRichSpout
{
    private static readonly string[] Words = ["storm", "window", "tuple", "spout", "bolt", "stream", "state", "acker", "nimbus", "worker"];

    [NonSerialized]
    private ISpoutOutputCollector? _collector;

    [NonSerialized]
    private Random? _random;

    [NonSerialized]
    private long _next;

    public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector)
    {
        _collector = collector;
        _random = new Random();
    }

    public override void NextTuple()
    {
        // Skewed, so the top words are stable enough to read: word i is picked about twice as often as word i + 1.
        var i = Math.Min(Words.Length - 1, (int)Math.Floor(-Math.Log2(1 - _random!.NextDouble())));
        _collector!.Emit([Words[i]], _next++);
        Thread.Sleep(1);
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("word"));
}

/// <summary>Counts the words of each window and emits the top ones as one line, anchored to the window's tuples.</summary>
public sealed class TopNWindowBolt(int top) : BaseWindowedBolt
{
    private readonly int _top = top;

    [NonSerialized]
    private IOutputCollector? _collector;

    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector) => _collector = collector;

    public override void Execute(TupleWindow window)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var t in window.Get())
        {
            var w = t.GetString(0) ?? string.Empty;
            counts[w] = counts.GetValueOrDefault(w) + 1;
        }

        var ranking = string.Join(" ", counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(_top).Select(kv => $"{kv.Key}={kv.Value}"));
        _collector!.Emit([window.Get().Count, window.GetNew().Count, window.GetExpired().Count, ranking]);
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("size", "new", "expired", "top"));
}

/// <summary>Prints each window's ranking.</summary>
public sealed class PrinterBolt : BaseBasicBolt
{
    public override void Execute(ITuple input, IBasicOutputCollector collector) =>
        Console.WriteLine($"window of {input.GetInteger(0)} words (+{input.GetInteger(1)} -{input.GetInteger(2)}): {input.GetString(3)}");

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
    }
}
