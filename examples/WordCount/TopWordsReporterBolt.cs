using System.Text;
using StormSharp.Topology;

namespace StormSharp.Examples.WordCount;

/// <summary>
/// Keeps the latest count of every word (one task, global grouping) and prints the top words on each tick tuple.
/// </summary>
public sealed class TopWordsReporterBolt : BaseBasicBolt
{
    private readonly int _reportSecs;
    private readonly int _top;

    [NonSerialized]
    private Dictionary<string, long>? _latest;

    [NonSerialized]
    private long _updates;

    /// <summary>Prints the <paramref name="top"/> most frequent words every <paramref name="reportSecs"/> seconds.</summary>
    public TopWordsReporterBolt(int reportSecs = 3, int top = 8)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(reportSecs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        _reportSecs = reportSecs;
        _top = top;
    }

    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context) =>
        _latest = new Dictionary<string, long>(StringComparer.Ordinal);

    public override void Execute(ITuple input, IBasicOutputCollector collector)
    {
        if (Utils.IsTick(input))
        {
            if (_latest!.Count > 0)
            {
                Report();
            }

            return;
        }

        _latest![input.GetStringByField("word") ?? string.Empty] = input.GetLongByField("count");
        _updates++;
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
        // A sink: it prints, it emits nothing.
    }

    public override IDictionary<string, object?> GetComponentConfiguration() =>
        new Dictionary<string, object?> { [Config.TopologyTickTupleFreqSecs] = _reportSecs };

    private void Report()
    {
        var top = _latest!.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(_top);
        var line = new StringBuilder("top words after ").Append(_updates).Append(" counts:");
        foreach (var (word, count) in top)
        {
            line.Append(' ').Append(word).Append('=').Append(count);
        }

        Console.WriteLine(line.ToString());
    }
}
