using System.Globalization;

namespace StormSharp.Benchmarks.Ysb.Results;

/// <summary>The suite's summary keys (issue 17's exact names).</summary>
internal static class YsbSummary
{
    public static IEnumerable<(string Key, string Value)> Of(IReadOnlyList<PointResult> points)
    {
        var oneSecond = points.Where(p => p.FlushMillis == 1000).ToList();
        var under = oneSecond.Where(p => p.Exact && p.P99 < 1500 && !double.IsNaN(p.AchievedPerSecond)).ToList();
        yield return ("ysb.max_events_per_s_with_p99_under_1500ms", under.Count == 0 ? "0" : Whole(under.Max(p => p.AchievedPerSecond)));
        var at130 = oneSecond.FirstOrDefault(p => p.Offered == 130_000);
        yield return ("ysb.p99_ms_at_130k", at130 is null ? "n/a" : Whole(at130.P99));
        yield return ("ysb.p50_ms_at_130k", at130 is null ? "n/a" : Whole(at130.P50));
        var fast130 = points.FirstOrDefault(p => p.FlushMillis == 100 && p.Offered == 130_000);
        yield return ("ysb.p99_ms_at_130k_flush_100ms", fast130 is null ? "n/a" : Whole(fast130.P99));
        yield return ("ysb.exact_windows_percent", ExactPercent(points));
    }

    /// <summary>Exact windows over all windows of the points at YSB's published loads (up to 170,000 events/s), in percent.</summary>
    public static string ExactPercent(IReadOnlyList<PointResult> points)
    {
        var published = points.Where(p => p.Offered <= 170_000).ToList();
        var all = published.Sum(p => p.Windows.Count);
        return all == 0 ? "n/a" : (100.0 * published.Sum(p => p.ExactWindows) / all).ToString(all == published.Sum(p => p.ExactWindows) ? "0" : "0.00", CultureInfo.InvariantCulture);
    }

    private static string Whole(double v) => double.IsNaN(v) ? "n/a" : Math.Round(v).ToString("0", CultureInfo.InvariantCulture);
}
