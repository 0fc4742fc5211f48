namespace StormSharp.Examples.OrderAnalytics;

/// <summary>
/// Where the pipeline keeps its results in Redis. Every key carries the hash tag {oa}, so on a Redis Cluster they
/// share one slot and the sink's script can touch them all.
/// </summary>
public static class RedisKeys
{
    public const string Seen = "{oa}:seen";
    public const string CategoryOrders = "{oa}:cat:orders";
    public const string CategoryRevenue = "{oa}:cat:revenue";
    public const string MinuteOrders = "{oa}:min:orders";
    public const string MinuteRevenue = "{oa}:min:revenue";
    public const string Orders = "{oa}:orders";
    public const string Revenue = "{oa}:revenue";
    public const string InvalidSeen = "{oa}:invalid:seen";
    public const string Invalid = "{oa}:invalid";

    public static readonly string[] All = [Seen, CategoryOrders, CategoryRevenue, MinuteOrders, MinuteRevenue, Orders, Revenue, InvalidSeen, Invalid];
}
