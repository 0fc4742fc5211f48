using StormSharp.Topology;

namespace StormSharp.Examples.WordCount;

/// <summary>
/// Storm's word count: random sentences, split into words, counted per word (fields grouping), with the
/// top words printed every few seconds. Run it with <c>bin/storm local examples/WordCount</c>.
/// </summary>
public static class WordCountTopology
{
    /// <summary>The name the topology is submitted under.</summary>
    public const string Name = "word-count";

    /// <summary>Builds the topology.</summary>
    public static StormTopology Build()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("sentences", new RandomSentenceSpout(), 1);
        builder.SetBolt("split", new SplitSentenceBolt(), 2).ShuffleGrouping("sentences");
        builder.SetBolt("count", new WordCountBolt(), 2).FieldsGrouping("split", new Fields("word"));
        builder.SetBolt("report", new TopWordsReporterBolt(), 1).GlobalGrouping("count");
        return builder.CreateTopology();
    }

    /// <summary>Builds the topology and submits it to the cluster the program runs under.</summary>
    public static void Main(string[] args)
    {
        var conf = new Config();
        conf.SetMaxSpoutPending(1000);
        StormSubmitter.SubmitTopology(Name, conf, Build());
    }
}
