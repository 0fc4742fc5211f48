using StormSharp.Topology;
using StormSharp.Topology.State;

namespace StormSharp.Examples.StatefulWordCount;

/// <summary>
/// Word count whose counts are checkpointed state (Storm's stateful word count): a replayable sentence source, split
/// into words, counted in a KeyValueState that every checkpoint (each second) commits, the counts printed. The source
/// records its position in each checkpoint, so after a crash the counts resume exactly where the last checkpoint left
/// them. Run it with <c>bin/storm local examples/StatefulWordCount</c>; set <c>topology.state.provider</c> to
/// <c>file</c> (or the Redis connector's provider) for state that outlives the process.
/// </summary>
public static class StatefulWordCountTopology
{
    /// <summary>The name the topology is submitted under.</summary>
    public const string Name = "stateful-word-count";

    /// <summary>Builds the topology.</summary>
    public static StormTopology Build()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("sentences", new ReplayableSentenceSpout(), 1);
        builder.SetBolt("split", new SplitBolt(), 2).ShuffleGrouping("sentences");
        builder.SetStatefulBolt("count", new StatefulCountBolt(), 2).FieldsGrouping("split", new Fields("word"));
        builder.SetBolt("report", new ReportBolt(), 1).GlobalGrouping("count");
        return builder.CreateTopology();
    }

    /// <summary>Builds the topology and submits it to the cluster the program runs under.</summary>
    public static void Main(string[] args)
    {
        var conf = new Config();
        conf.SetCheckpointIntervalMs(1000);
        conf.SetMaxSpoutPending(2000);
        StormSubmitter.SubmitTopology(Name, conf, Build());
    }
}

/// <summary>Sentences from a fixed list, in order, round and round; its position is the number emitted so far, so it can be rewound.</summary>
public sealed class ReplayableSentenceSpout : BaseRichSpout, ICheckpointableSpout
{
    private static readonly string[] Sentences =
    [
        "the cow jumped over the moon",
        "an apple a day keeps the doctor away",
        "four score and seven years ago",
        "snow white and the seven dwarfs",
        "i am at two with nature",
    ];

    [NonSerialized]
    private ISpoutOutputCollector? _collector;

    [NonSerialized]
    private long _position;

    public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector) => _collector = collector;

    public override void NextTuple()
    {
        _collector!.Emit([Sentences[_position % Sentences.Length]], _position);
        _position++;
        Thread.Sleep(1);
    }

    public string? GetPosition() => _position.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public void Seek(string? position) => _position = position is null ? 0 : long.Parse(position, System.Globalization.CultureInfo.InvariantCulture);

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("sentence"));
}

/// <summary>Splits a sentence into words.</summary>
public sealed class SplitBolt : BaseBasicBolt
{
    public override void Execute(ITuple input, IBasicOutputCollector collector)
    {
        foreach (var w in (input.GetString(0) ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            collector.Emit([w]);
        }
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("word"));
}

/// <summary>Counts words in checkpointed state and emits each new count.</summary>
public sealed class StatefulCountBolt : BaseStatefulBolt<KeyValueState<string, long>>
{
    [NonSerialized]
    private IOutputCollector? _collector;

    [NonSerialized]
    private KeyValueState<string, long>? _counts;

    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector) => _collector = collector;

    public override void InitState(KeyValueState<string, long> state) => _counts = state;

    public override void Execute(ITuple input)
    {
        var word = input.GetString(0) ?? string.Empty;
        var count = _counts!.Get(word, 0) + 1;
        _counts.Put(word, count);
        _collector!.Emit(input, [word, count]);
        _collector.Ack(input);
    }

    public override void PreCommit(long txid) => Console.WriteLine($"checkpoint {txid} commits");

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("word", "count"));
}

/// <summary>Prints the top counts every two seconds.</summary>
public sealed class ReportBolt : BaseBasicBolt
{
    [NonSerialized]
    private Dictionary<string, long>? _latest;

    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context) => _latest = new(StringComparer.Ordinal);

    public override void Execute(ITuple input, IBasicOutputCollector collector)
    {
        if (Utils.IsTick(input))
        {
            Console.WriteLine("counts: " + string.Join(" ", _latest!.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(8).Select(kv => $"{kv.Key}={kv.Value}")));
            return;
        }

        _latest![input.GetString(0) ?? string.Empty] = input.GetLongByField("count");
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
    }

    public override IDictionary<string, object?> GetComponentConfiguration() => new Dictionary<string, object?> { [Config.TopologyTickTupleFreqSecs] = 2 };
}
