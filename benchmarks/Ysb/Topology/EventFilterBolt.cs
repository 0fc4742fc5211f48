using StormSharp.Topology;

namespace StormSharp.Benchmarks.Ysb.Topology;

/// <summary>YSB's <c>event_filter</c>: passes view events on unchanged and drops clicks and purchases (acked).</summary>
public sealed class EventFilterBolt : BaseRichBolt
{
    [NonSerialized]
    private IOutputCollector? _collector;

    /// <inheritdoc/>
    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector) => _collector = collector;

    /// <inheritdoc/>
    public override void Execute(ITuple input)
    {
        if (string.Equals(input.GetStringByField("event_type"), "view", StringComparison.Ordinal))
        {
            _collector!.Emit(input, input.Values);
        }

        _collector!.Ack(input);
    }

    /// <inheritdoc/>
    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(DeserializeBolt.EventFields);
}
