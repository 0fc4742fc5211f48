using System.Diagnostics;

namespace StormSharp.Runtime.Stats;

/// <summary>
/// Log-scale latency buckets, four per doubling: bucket 0 is under 1 us, bucket i (1 to <see cref="Count"/> - 2) holds
/// [2^((i-1)/4), 2^(i/4)) us, the last everything from about 16 s up. A percentile read from them is off by at most
/// one bucket's width (19%). Used for the p99 of per-second series, where a mean hides the slow tail.
/// </summary>
internal static class LatencyBuckets
{
    public const int Count = 98;

    private static readonly double MicrosPerTick = 1e6 / Stopwatch.Frequency;

    public static int Of(long ticks)
    {
        var us = ticks * MicrosPerTick;
        if (us < 1)
        {
            return 0;
        }

        var i = (int)(Math.Log2(us) * 4) + 1;
        return i < Count ? i : Count - 1;
    }

    /// <summary>The upper bound of bucket <paramref name="index"/>, in milliseconds.</summary>
    public static double UpperMs(int index) => index <= 0 ? 0.001 : Math.Pow(2, index / 4.0) / 1000;

    /// <summary>
    /// The upper bound (ms) of the bucket that holds the <paramref name="quantile"/> of <paramref name="counts"/>; 0
    /// when they are all zero.
    /// </summary>
    public static double QuantileMs(ReadOnlySpan<long> counts, double quantile)
    {
        long total = 0;
        foreach (var c in counts)
        {
            total += c;
        }

        if (total <= 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(total * quantile);
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank)
            {
                return UpperMs(i);
            }
        }

        return UpperMs(counts.Length - 1);
    }
}
