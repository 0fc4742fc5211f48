using StormSharp.Topology;

namespace StormSharp.Flux.Tests;

public enum Mode
{
    Fast,
    Careful,
}

/// <summary>A component the spouts take by ref: built with a constructor, a property and a config method.</summary>
public sealed class Settings
{
    public Settings()
    {
    }

    public Settings(string prefix, int limit)
    {
        Prefix = prefix;
        Limit = limit;
    }

    public string Prefix { get; set; } = "";

    public int Limit { get; set; }

    public List<string> Tags { get; } = [];

    public void AddTag(string tag) => Tags.Add(tag);
}

/// <summary>A spout with every kind of constructor argument, properties, config methods and three streams.</summary>
public sealed class ConfiguredSpout : BaseRichSpout
{
    private readonly string _name;
    private readonly int _count;
    private readonly string[] _words;
    private readonly string _prefix;
    private readonly List<string> _tags;
    private string _label = "";
    private int _weight;

    public ConfiguredSpout(string name, int count)
        : this(name, count, [], new Settings())
    {
    }

    public ConfiguredSpout(string name, int count, string[] words, Settings settings)
    {
        _name = name;
        _count = count;
        _words = words;
        _prefix = settings.Prefix + "/" + settings.Limit;
        _tags = [.. settings.Tags];
    }

    public string Name => _name;

    public int Count => _count;

    public IReadOnlyList<string> Words => _words;

    public string Prefix => _prefix;

    public IReadOnlyList<string> Tags => _tags;

    public double Rate { get; set; }

    public Mode Mode { get; set; }

    public string Label => _label;

    public int Weight => _weight;

    public ConfiguredSpout WithLabel(string label, int weight)
    {
        _label = label;
        _weight = weight;
        return this;
    }

    public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector)
    {
    }

    public override void NextTuple()
    {
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
        declarer.Declare(new Fields("word"));
        declarer.DeclareStream("pairs", new Fields("a", "b"));
        declarer.DeclareStream("direct", true, new Fields("x"));
    }
}

/// <summary>A bolt that emits nothing.</summary>
public sealed class SinkBolt : BaseBasicBolt
{
    public override void Execute(ITuple input, IBasicOutputCollector collector)
    {
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
    }
}

/// <summary>A custom grouping with a constructor argument.</summary>
public sealed class FirstTaskGrouping(int offset) : ICustomStreamGrouping
{
    private readonly int _offset = offset;
    [NonSerialized] private IReadOnlyList<int>? _targets;

    public int Offset => _offset;

    public void Prepare(TopologyContext context, GlobalStreamId stream, IReadOnlyList<int> targetTasks) => _targets = targetTasks;

    public IReadOnlyList<int> ChooseTasks(int taskId, IReadOnlyList<object?> values) => [_targets![_offset % _targets.Count]];
}
