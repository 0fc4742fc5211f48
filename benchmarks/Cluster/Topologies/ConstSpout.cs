using StormSharp.Benchmarks.Engine.Peers;
using StormSharp.Topology;

namespace StormSharp.Benchmarks.Cluster.Topologies;

/// <summary>storm-perf's ConstSpout: emits the same one-field tuple forever, with a counter as message id when acking is measured.</summary>
public sealed class ConstSpout : BaseRichSpout
{
    private bool _withIds;

    [NonSerialized]
    private ISpoutOutputCollector? _collector;

    [NonSerialized]
    private Values? _tuple;

    [NonSerialized]
    private long _next;

    public ConstSpout(bool withIds)
    {
        _withIds = withIds;
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("str"));

    public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector)
    {
        _collector = collector;
        _tuple = new Values(PipelineShape.ConstValue); // the engine suite's value, so frames are the same size
    }

    public override void NextTuple()
    {
        if (_withIds)
        {
            _collector!.Emit(_tuple!, _next++);
        }
        else
        {
            _collector!.Emit(_tuple!);
        }
    }
}
