using System.Collections.Concurrent;
using StormSharp.Topology;

namespace StormSharp.Multilang.Tests;

/// <summary>The Python split bolt of the tests' resources, run by <paramref name="script"/>.</summary>
public sealed class PythonSplitBolt(string script) : ShellBolt("python3", script)
{
    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("word"));
}

/// <summary>The Python sentence spout of the tests' resources.</summary>
public sealed class PythonSentenceSpout() : ShellSpout("python3", "sentencespout.py")
{
    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("sentence", "seq"));
}

/// <summary>Counts words into <see cref="Counts"/> under the test's key.</summary>
public sealed class CountingBolt(string key) : BaseBasicBolt
{
    public static readonly ConcurrentDictionary<string, ConcurrentDictionary<string, long>> Counts = new();

    private readonly string _key = key;

    public override void Execute(ITuple input, IBasicOutputCollector collector) =>
        Counts.GetOrAdd(_key, _ => new()).AddOrUpdate(input.GetString(0)!, 1, (_, n) => n + 1);

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
    }
}

/// <summary>The corpus sentencespout.py emits, computed here to check the counts.</summary>
internal static class Corpus
{
    private static readonly string[] Vocabulary = ["storm", "tuple", "bolt", "spout", "acker", "nimbus", "worker", "stream", "the", "a"];

    public static string Sentence(int i) => string.Join(' ', Enumerable.Range(0, 1 + (i % 8)).Select(j => Vocabulary[((7 * i) + (3 * j)) % 10]));

    public static Dictionary<string, long> WordCounts(int sentences) =>
        Enumerable.Range(0, sentences).SelectMany(i => Sentence(i).Split(' ')).GroupBy(w => w).ToDictionary(g => g.Key, g => (long)g.Count());
}
