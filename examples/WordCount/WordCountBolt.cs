using StormSharp.Topology;

namespace StormSharp.Examples.WordCount;

/// <summary>
/// Counts words. Subscribed with a fields grouping on "word", so each task sees every occurrence of its words
/// and its counts are exact; emits (word, count) after each update.
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
