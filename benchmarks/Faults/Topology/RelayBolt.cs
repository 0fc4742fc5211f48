using StormSharp.Topology;

namespace StormSharp.Benchmarks.Faults.Topology;

/// <summary>Passes each number on, anchored (a basic bolt acks its input after emitting).</summary>
public sealed class RelayBolt : BaseBasicBolt
{
    public override void Execute(ITuple input, IBasicOutputCollector collector) => collector.Emit(new Values(input.GetValue(0)));

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("number"));
}
