using StormSharp.Examples.WordCount;
using StormSharp.Runtime;
using StormSharp.Topology;

namespace StormSharp.Flux.Tests;

public sealed class FluxWordCountTests
{
    private const string WordCountYaml = """
        name: "flux-word-count"
        config:
          topology.workers: 2
        spouts:
          - id: "sentences"
            className: "StormSharp.Examples.WordCount.RandomSentenceSpout"
            constructorArgs: [0]
            parallelism: 2
        bolts:
          - id: "split"
            className: "StormSharp.Examples.WordCount.SplitSentenceBolt"
            parallelism: 3
          - id: "count"
            className: "StormSharp.Examples.WordCount.WordCountBolt"
            parallelism: 4
        streams:
          - name: "sentences --> split"
            from: "sentences"
            to: "split"
            grouping:
              type: SHUFFLE
          - name: "split --> count"
            from: "split"
            to: "count"
            grouping:
              type: FIELDS
              fields: ["word"]
        """;

    [Fact]
    public void FluxWordCount_FixedCorpus_EqualsTheCodeDefinedOne()
    {
        var random = new Random(7);
        string[] vocabulary = ["storm", "tuple", "bolt", "spout", "acker", "nimbus", "worker", "stream", "the", "a"];
        var corpus = Enumerable.Range(0, 2_000)
            .Select(_ => (IReadOnlyList<object?>)new Values(string.Join(' ', Enumerable.Range(0, random.Next(1, 10)).Select(_ => vocabulary[random.Next(vocabulary.Length)]))))
            .ToList();
        var flux = Flux.Text(WordCountYaml);

        var builder = new TopologyBuilder();
        builder.SetSpout("sentences", new RandomSentenceSpout(0), 2);
        builder.SetBolt("split", new SplitSentenceBolt(), 3).ShuffleGrouping("sentences");
        builder.SetBolt("count", new WordCountBolt(), 4).FieldsGrouping("split", new Fields("word"));

        var fromFlux = Counts(Testing.CompleteTopology(flux.Topology, Sources(corpus), flux.Config, TimeSpan.FromSeconds(60)));
        var fromCode = Counts(Testing.CompleteTopology(builder.CreateTopology(), Sources(corpus), new Config().SetNumWorkers(2), TimeSpan.FromSeconds(60)));

        Assert.Equal(fromCode.OrderBy(kv => kv.Key), fromFlux.OrderBy(kv => kv.Key));
        Assert.Equal(corpus.Sum(s => ((string)s[0]!).Split(' ').Length), fromFlux.Values.Sum());
        Assert.Equal("flux-word-count", flux.Name);
    }

    private static Dictionary<string, IReadOnlyList<IReadOnlyList<object?>>> Sources(List<IReadOnlyList<object?>> corpus) => new() { ["sentences"] = corpus };

    private static Dictionary<string, long> Counts(CompletedTopology result) =>
        result.Emitted("count").GroupBy(t => (string)t[0]!).ToDictionary(g => g.Key, g => g.Max(t => (long)t[1]!));
}
