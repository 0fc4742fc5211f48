using StormSharp.Topology;

namespace StormSharp.Benchmarks.Ysb.Topology;

/// <summary>YSB's <c>event_projection</c>: keeps <c>ad_id</c> and <c>event_time</c>.</summary>
public sealed class EventProjectionBolt : BaseRichBolt
{
    [NonSerialized]
    private IOutputCollector? _collector;

    /// <inheritdoc/>
    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector) => _collector = collector;

    /// <inheritdoc/>
    public override void Execute(ITuple input)
    {
        _collector!.Emit(input, new Values(input.GetStringByField("ad_id"), input.GetStringByField("event_time")));
        _collector.Ack(input);
    }

    /// <inheritdoc/>
    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("ad_id", "event_time"));
}
