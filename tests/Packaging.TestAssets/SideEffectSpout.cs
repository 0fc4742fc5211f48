using StormSharp.Topology;

namespace StormSharp.Packaging.TestAssets;

/// <summary>A spout whose mere initialization leaves a trace: the inspector must look at it without running it.</summary>
public sealed class SideEffectSpout : BaseRichSpout
{
    static SideEffectSpout() => Markers.Write(Markers.StaticConstructor);

    public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector)
    {
    }

    public override void NextTuple()
    {
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
    }
}
