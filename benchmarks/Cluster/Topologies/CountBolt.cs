using System.Runtime.InteropServices;
using StormSharp.Topology;

namespace StormSharp.Benchmarks.Cluster.Topologies;

/// <summary>Counts words (the engine suite's count stage).</summary>
public sealed class CountBolt : BaseBasicBolt
{
    [NonSerialized]
    private Dictionary<string, long>? _counts;

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("word", "count"));

    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context) =>
        _counts = new Dictionary<string, long>(StringComparer.Ordinal);

    public override void Execute(ITuple input, IBasicOutputCollector collector) =>
        CollectionsMarshal.GetValueRefOrAddDefault(_counts!, (string)input.GetValue(0)!, out _)++;
}
