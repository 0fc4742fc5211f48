using StormSharp.Topology;

namespace StormSharp.Benchmarks.Engine.Topologies;

/// <summary>Re-emits its input anchored to it, then acks it (storm-perf's IdBolt).</summary>
public sealed class IdBolt : BaseRichBolt
{
    [NonSerialized]
    private IOutputCollector? _collector;

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("str"));

    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector) =>
        _collector = collector;

    public override void Execute(ITuple input)
    {
        _collector!.Emit(input, input.Values);
        _collector.Ack(input);
    }
}
