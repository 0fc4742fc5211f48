using StormSharp.Topology;

namespace StormSharp.Examples.WordCount;

/// <summary>Splits each sentence into lower-case words; the input is acked when Execute returns.</summary>
public sealed class SplitSentenceBolt : BaseBasicBolt
{
    private static readonly char[] Separators = [' ', '\t', ',', '.', ';', ':', '!', '?'];

    public override void Execute(ITuple input, IBasicOutputCollector collector)
    {
        var sentence = input.GetStringByField("sentence") ?? string.Empty;
        foreach (var word in sentence.Split(Separators, StringSplitOptions.RemoveEmptyEntries))
        {
            collector.Emit(new Values(word.ToLowerInvariant()));
        }
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("word"));
}
