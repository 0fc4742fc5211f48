using StackExchange.Redis;
using StormSharp.Benchmarks.Ysb.Feed;
using StormSharp.Benchmarks.Ysb.Topology;

namespace StormSharp.Benchmarks.Ysb.Results;

/// <summary>
/// YSB's result computation (<c>get-stats</c> and <c>check-correct</c>): walks Redis the way YSB does (the
/// <c>campaigns</c> set, each campaign's <c>windows</c> list, each window's hash) and sets every window beside the
/// generator's own count.
/// </summary>
public static class YsbStats
{
    /// <summary>
    /// Every window Redis or the generator knows, with both counts; windows of Redis that start before
    /// <paramref name="notBefore"/> (a warm-up's, in milliseconds since the epoch) are left out.
    /// </summary>
    public static async Task<IReadOnlyList<WindowResult>> ReadAsync(IDatabase db, FeedResult feed, long notBefore = long.MinValue)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(feed);
        var expected = feed.Counts.ToDictionary(c => (c.Campaign, c.Window), c => c.Count);
        var found = new Dictionary<(string Campaign, long Window), (long? Seen, long? Updated)>();
        foreach (var campaign in await db.SetMembersAsync(YsbLayout.CampaignsKey).ConfigureAwait(false))
        {
            var list = await db.HashGetAsync(campaign.ToString(), YsbLayout.WindowsField).ConfigureAwait(false);
            if (list.IsNull)
            {
                continue;
            }

            foreach (var windowTime in await db.ListRangeAsync(list.ToString()).ConfigureAwait(false))
            {
                if ((long)windowTime < notBefore)
                {
                    continue;
                }

                var windowKey = await db.HashGetAsync(campaign.ToString(), windowTime).ConfigureAwait(false);
                if (windowKey.IsNull)
                {
                    throw new InvalidDataException($"campaign {campaign} lists window {windowTime} but has no key for it");
                }

                var fields = await db.HashGetAsync(windowKey.ToString(), [YsbLayout.SeenCountField, YsbLayout.TimeUpdatedField]).ConfigureAwait(false);
                found[(campaign.ToString(), (long)windowTime)] = ((long?)fields[0], (long?)fields[1]);
            }
        }

        var results = new List<WindowResult>(Math.Max(expected.Count, found.Count));
        foreach (var ((campaign, window), count) in expected)
        {
            var (seen, updated) = found.GetValueOrDefault((campaign, window));
            results.Add(new WindowResult(campaign, window, seen, updated, count));
        }

        foreach (var ((campaign, window), (seen, updated)) in found)
        {
            if (!expected.ContainsKey((campaign, window)))
            {
                results.Add(new WindowResult(campaign, window, seen, updated, 0));
            }
        }

        return results;
    }

    /// <summary>The sum of <c>seen_count</c> over every window in Redis (what the runner polls until it reaches the generator's views).</summary>
    public static async Task<long> SeenTotalAsync(IDatabase db)
    {
        ArgumentNullException.ThrowIfNull(db);
        var total = 0L;
        foreach (var campaign in await db.SetMembersAsync(YsbLayout.CampaignsKey).ConfigureAwait(false))
        {
            var entries = await db.HashGetAllAsync(campaign.ToString()).ConfigureAwait(false);
            var windows = new List<Task<RedisValue>>();
            foreach (var e in entries)
            {
                if (e.Name != YsbLayout.WindowsField)
                {
                    windows.Add(db.HashGetAsync(e.Value.ToString(), YsbLayout.SeenCountField));
                }
            }

            foreach (var w in windows)
            {
                total += (long?)await w.ConfigureAwait(false) ?? 0;
            }
        }

        return total;
    }

    /// <summary>The <paramref name="percentile"/> (0-100) of <paramref name="sorted"/> by nearest rank; NaN when empty.</summary>
    public static double Percentile(IReadOnlyList<long> sorted, double percentile)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(percentile / 100.0 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}
