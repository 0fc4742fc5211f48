using StormSharp.Topology;

namespace StormSharp.Benchmarks.Cluster.Topologies;

/// <summary>Acks its input and does nothing else (storm-perf's DevNullBolt); the executor's own counters count it.</summary>
public sealed class NullBolt : BaseRichBolt
{
    [NonSerialized]
    private IOutputCollector? _collector;

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
    }

    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector) =>
        _collector = collector;

    public override void Execute(ITuple input) => _collector!.Ack(input);
}
