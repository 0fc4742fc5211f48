using StormSharp.Examples.WordCount;
using StormSharp.Topology;

namespace StormSharp.Runtime.Tests;

public sealed class WordCountTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void CompleteTopology_FixedCorpus_CountsEqualDirectComputation(int workers)
    {
        var random = new Random(42);
        string[] vocabulary = ["storm", "tuple", "bolt", "spout", "acker", "nimbus", "worker", "stream", "the", "a"];
        var corpus = Enumerable.Range(0, 3_000)
            .Select(_ => string.Join(' ', Enumerable.Range(0, random.Next(1, 12)).Select(_ => vocabulary[random.Next(vocabulary.Length)])))
            .ToList();
        var expected = corpus.SelectMany(s => s.Split(' ')).GroupBy(w => w).ToDictionary(g => g.Key, g => (long)g.Count());

        var builder = new TopologyBuilder();
        builder.SetSpout("sentences", new RandomSentenceSpout(0), 2);
        builder.SetBolt("split", new SplitSentenceBolt(), 3).ShuffleGrouping("sentences");
        builder.SetBolt("count", new WordCountBolt(), 4).FieldsGrouping("split", new Fields("word"));

        var result = Testing.CompleteTopology(
            builder.CreateTopology(),
            new Dictionary<string, IReadOnlyList<IReadOnlyList<object?>>> { ["sentences"] = corpus.Select(s => (IReadOnlyList<object?>)new Values(s)).ToList() },
            new Config().SetNumWorkers(workers),
            TimeSpan.FromSeconds(60));

        var counted = result.Emitted("count")
            .GroupBy(t => (string)t[0]!)
            .ToDictionary(g => g.Key, g => g.Max(t => (long)t[1]!));
        Assert.Equal(expected.OrderBy(kv => kv.Key), counted.OrderBy(kv => kv.Key));
        Assert.Equal(expected.Values.Sum(), result.Emitted("split").Count);
        Assert.Equal(corpus.Count, result.Emitted("sentences").Count);

        Assert.Equal(workers, result.Info.Workers);
        var spout = result.Info.Component("sentences").Total();
        Assert.Equal(corpus.Count, spout.Acked);
        Assert.Equal(0, spout.Failed);
    }

    [Fact]
    public void WordCountTopology_PacedSpout_StaysOnTheSharedPool()
    {
        // The example must not trip the engine's blocking-component warning: its spout paces itself without sleeping.
        using var cluster = new LocalCluster();
        Execution.LocalTopology? running = null;
        cluster.Submit(WordCountTopology.Name, new Config(), WordCountTopology.Build(), rt => running = rt);

        Await.Until(
            () => cluster.GetTopologyInfo(WordCountTopology.Name).Component("sentences").Total().Emitted >= 40,
            TimeSpan.FromSeconds(30),
            () => "the spout to emit 40 sentences (one per 50 ms)");

        var spout = running!.Executors.Single(e => e.ComponentId == "sentences");
        Assert.False(spout.OnOwnThread, "the spout's executor was moved to a thread of its own as a blocking component");
    }
}
