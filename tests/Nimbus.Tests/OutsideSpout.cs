using StormSharp.Topology;

namespace StormSharp.Nimbus.Tests;

/// <summary>A spout of the test assembly: no WordCount package contains it, so a submit naming it must be refused.</summary>
public sealed class OutsideSpout : BaseRichSpout
{
    public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector)
    {
    }

    public override void NextTuple()
    {
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("sentence"));
}
