using StormSharp.Topology;

namespace StormSharp.Benchmarks.Cluster.Topologies;

/// <summary>Splits a sentence into words, each anchored to it (the engine suite's split stage).</summary>
public sealed class SplitBolt : BaseBasicBolt
{
    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("word"));

    public override void Execute(ITuple input, IBasicOutputCollector collector)
    {
        foreach (var word in ((string)input.GetValue(0)!).Split(' '))
        {
            collector.Emit(new Values(word));
        }
    }
}
