using StormSharp.Topology;

namespace MyTopology;

/// <summary>
/// Counts words and emits (word, count) after each update. A basic bolt: its output is anchored to the input and
/// the input acked when Execute returns (failed when it throws).
/// </summary>
public sealed class WordCountBolt : BaseBasicBolt
{
    [NonSerialized]
    private Dictionary<string, long>? _counts;

    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context) =>
        _counts = new Dictionary<string, long>(StringComparer.Ordinal);

    public override void Execute(ITuple input, IBasicOutputCollector collector)
    {
        var word = input.GetStringByField("word") ?? string.Empty;
        _counts!.TryGetValue(word, out var count);
        _counts[word] = ++count;
        collector.Emit(new Values(word, count));
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("word", "count"));
}
