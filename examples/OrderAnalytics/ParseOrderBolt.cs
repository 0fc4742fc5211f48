using StormSharp.Topology;

namespace StormSharp.Examples.OrderAnalytics;

/// <summary>
/// Parses the Kafka spout's records into orders. A record that is no valid order goes to the <c>invalid</c> stream
/// with its partition and offset (so it is counted once however often it is replayed) and never fails the tuple.
/// With chaos on, 5% of tuples are failed at random so that the spout replays them.
/// </summary>
public sealed class ParseOrderBolt : BaseRichBolt
{
    public const string InvalidStream = "invalid";

    private readonly bool _chaos;

    [NonSerialized]
    private IOutputCollector? _collector;

    public ParseOrderBolt(bool chaos) => _chaos = chaos;

    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector) => _collector = collector;

    public override void Execute(ITuple input)
    {
        if (_chaos && Random.Shared.Next(100) < 5)
        {
            _collector!.Fail(input);
            return;
        }

        var value = input.GetStringByField("value");
        if (Order.TryParse(value, out var order, out var error))
        {
            _collector!.Emit(input, new Values(order!.OrderId, order.Category, order.Minute, order.AmountCents, order.Customer));
        }
        else
        {
            var place = $"{input.GetStringByField("topic")}-{input.GetIntegerByField("partition")}@{input.GetLongByField("offset")}";
            _collector!.Emit(InvalidStream, input, new Values(place, error));
        }

        _collector.Ack(input);
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
        declarer.Declare(new Fields("orderId", "category", "minute", "amountCents", "customer"));
        declarer.DeclareStream(InvalidStream, new Fields("place", "error"));
    }
}
