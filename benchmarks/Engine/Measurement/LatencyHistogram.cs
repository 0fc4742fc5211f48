using System.Diagnostics;
using System.Numerics;

namespace StormSharp.Benchmarks.Engine.Measurement;

/// <summary>
/// A log-linear histogram of latencies in nanoseconds: exact below 64 ns, then 32 linear buckets per power of two
/// (about 3% relative error), up to about 18 minutes. Recording is one interlocked increment, so several threads
/// can record into one histogram; reading while recording gives a slightly stale but consistent-enough view.
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBucketBits = 5;
    private const int SubBuckets = 1 << SubBucketBits;
    private const int LinearLimit = SubBuckets * 2;
    private const int MaxExponent = 40;
    private const int BucketCount = LinearLimit + ((MaxExponent - SubBucketBits - 1) * SubBuckets);

    private static readonly double NanosPerTick = 1e9 / Stopwatch.Frequency;

    private readonly long[] _counts = new long[BucketCount];
    private long _total;
    private long _sumNanos;
    private long _maxNanos;

    public long Count => Volatile.Read(ref _total);

    public void RecordTicks(long stopwatchTicks) => Record((long)(stopwatchTicks * NanosPerTick));

    public void Record(long nanos)
    {
        if (nanos < 0)
        {
            nanos = 0;
        }

        Interlocked.Increment(ref _counts[IndexOf(nanos)]);
        Interlocked.Increment(ref _total);
        Interlocked.Add(ref _sumNanos, nanos);
        var max = Volatile.Read(ref _maxNanos);
        while (nanos > max)
        {
            var seen = Interlocked.CompareExchange(ref _maxNanos, nanos, max);
            if (seen == max)
            {
                break;
            }

            max = seen;
        }
    }

    public void Reset()
    {
        Array.Clear(_counts);
        Volatile.Write(ref _total, 0);
        Volatile.Write(ref _sumNanos, 0);
        Volatile.Write(ref _maxNanos, 0);
    }

    public LatencySummary Summarize()
    {
        var counts = new long[BucketCount];
        long total = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            counts[i] = Volatile.Read(ref _counts[i]);
            total += counts[i];
        }

        if (total == 0)
        {
            return LatencySummary.Empty;
        }

        var mean = Volatile.Read(ref _sumNanos) / (double)Math.Max(1, Volatile.Read(ref _total));
        return new LatencySummary(
            total,
            mean / 1e6,
            Percentile(counts, total, 0.50) / 1e6,
            Percentile(counts, total, 0.99) / 1e6,
            Percentile(counts, total, 0.999) / 1e6,
            Volatile.Read(ref _maxNanos) / 1e6);
    }

    internal static int IndexOf(long nanos)
    {
        if (nanos < LinearLimit)
        {
            return (int)nanos;
        }

        var exponent = 63 - BitOperations.LeadingZeroCount((ulong)nanos);
        if (exponent >= MaxExponent)
        {
            return BucketCount - 1;
        }

        var shift = exponent - SubBucketBits;
        return LinearLimit + ((exponent - SubBucketBits - 1) * SubBuckets) + (int)((nanos >> shift) - SubBuckets);
    }

    /// <summary>The middle of bucket <paramref name="index"/>, in nanoseconds.</summary>
    internal static double MidpointOf(int index)
    {
        if (index < LinearLimit)
        {
            return index;
        }

        var k = index - LinearLimit;
        var exponent = (k / SubBuckets) + SubBucketBits + 1;
        var shift = exponent - SubBucketBits;
        var low = (long)((k % SubBuckets) + SubBuckets) << shift;
        return low + ((1L << shift) / 2.0);
    }

    private static double Percentile(long[] counts, long total, double quantile)
    {
        var rank = (long)Math.Ceiling(quantile * total);
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank)
            {
                return MidpointOf(i);
            }
        }

        return MidpointOf(counts.Length - 1);
    }
}

/// <summary>Latency figures in milliseconds.</summary>
public sealed record LatencySummary(long Count, double MeanMs, double P50Ms, double P99Ms, double P999Ms, double MaxMs)
{
    public static LatencySummary Empty { get; } = new(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
}
