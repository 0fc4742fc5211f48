namespace StormSharp.Benchmarks.Ysb.Results;

/// <summary>
/// One campaign window as the result computation sees it: Redis's <c>seen_count</c> and <c>time_updated</c> (null
/// when Redis has no such window) and the generator's own count.
/// </summary>
public sealed record WindowResult(string Campaign, long Window, long? Seen, long? TimeUpdated, long Expected)
{
    /// <summary>Whether Redis counted exactly the generator's views.</summary>
    public bool Exact => Seen == Expected;

    /// <summary>Milliseconds from the window's end to its last update in Redis (YSB's figure), or null.</summary>
    public long? LatencyMillis => TimeUpdated - (Window + Topology.YsbLayout.WindowMillis);
}
