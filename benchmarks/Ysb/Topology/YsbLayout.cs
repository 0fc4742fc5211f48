namespace StormSharp.Benchmarks.Ysb.Topology;

/// <summary>
/// The Yahoo Streaming Benchmark's data layout, in Kafka and in Redis, as its data generator and its Storm topology
/// use it.
/// </summary>
/// <remarks>
/// Redis: the set <c>campaigns</c> holds the 100 campaign ids; each ad id is a string key whose value is its
/// campaign id. Each campaign id is also a hash: its field <c>windows</c> names a list of the window start times
/// (milliseconds, as text) the campaign has counts for, and a field per window start time names the window's own
/// hash, which holds <c>seen_count</c> (view events counted) and <c>time_updated</c> (milliseconds since the epoch
/// of the window's last write). Window and list keys are random UUIDs. Every write also pushes its time onto the
/// list <c>time_updated</c>.
/// </remarks>
public static class YsbLayout
{
    /// <summary>The Kafka topic the events go to.</summary>
    public const string Topic = "ad-events";

    /// <summary>The Redis set of campaign ids.</summary>
    public const string CampaignsKey = "campaigns";

    /// <summary>The campaign hash's field that names its list of windows.</summary>
    public const string WindowsField = "windows";

    /// <summary>The window hash's count of view events.</summary>
    public const string SeenCountField = "seen_count";

    /// <summary>The window hash's time of its last write, in milliseconds since the epoch.</summary>
    public const string TimeUpdatedField = "time_updated";

    /// <summary>The list every window write pushes its time onto.</summary>
    public const string TimeUpdatedList = "time_updated";

    /// <summary>Campaigns, as in YSB.</summary>
    public const int Campaigns = 100;

    /// <summary>Ads per campaign, as in YSB.</summary>
    public const int AdsPerCampaign = 10;

    /// <summary>Window length in milliseconds (YSB's time divisor): 10 s.</summary>
    public const long WindowMillis = 10_000;

    /// <summary>The start of the window <paramref name="eventTimeMillis"/> falls in.</summary>
    public static long WindowOf(long eventTimeMillis) => eventTimeMillis / WindowMillis * WindowMillis;
}
