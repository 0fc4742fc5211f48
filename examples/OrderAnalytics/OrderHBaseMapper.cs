using System.Globalization;
using System.Text;
using StormSharp.Connectors.HBase;
using StormSharp.Topology;

namespace StormSharp.Examples.OrderAnalytics;

/// <summary>One HBase row per order (row key: the order id), so a replayed put rewrites the same cells.</summary>
public sealed class OrderHBaseMapper : IHBaseMapper
{
    public byte[] RowKey(ITuple tuple) => Encoding.UTF8.GetBytes(tuple.GetStringByField("orderId")!);

    public ColumnList Columns(ITuple tuple) => new ColumnList()
        .AddColumn("o", "category", tuple.GetStringByField("category")!)
        .AddColumn("o", "minute", tuple.GetLongByField("minute").ToString(CultureInfo.InvariantCulture))
        .AddColumn("o", "amount_cents", tuple.GetLongByField("amountCents").ToString(CultureInfo.InvariantCulture))
        .AddColumn("o", "customer", tuple.GetStringByField("customer")!);
}
