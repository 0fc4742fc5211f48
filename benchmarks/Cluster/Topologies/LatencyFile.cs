using System.Diagnostics;
using StormSharp.Benchmarks.Engine.Measurement;

namespace StormSharp.Benchmarks.Cluster.Topologies;

/// <summary>
/// Complete latencies a spout task records, in the engine suite's log-linear buckets (<see cref="LatencyHistogram"/>),
/// written about once a second as <c>latency-&lt;task&gt;.bin</c> (cumulative bucket counts, little-endian int64) to
/// a folder the benchmark reads: the workers report only a mean complete latency, and a p99 needs the distribution.
/// Recording is one array increment on the spout's own thread; the file is replaced by rename, so a reader sees
/// a whole snapshot.
/// </summary>
public sealed class LatencyFile
{
    /// <summary>Buckets in a snapshot (those of <see cref="LatencyHistogram"/>).</summary>
    public static readonly int Buckets = LatencyHistogram.IndexOf(long.MaxValue) + 1;

    private static readonly double NanosPerTick = 1e9 / Stopwatch.Frequency;

    private readonly long[] _counts = new long[Buckets];
    private readonly byte[] _bytes = new byte[Buckets * sizeof(long)];
    private readonly string _path;
    private long _nextWrite;

    public LatencyFile(string directory, int taskId)
    {
        Directory.CreateDirectory(directory);
        _path = Path.Combine(directory, $"latency-{taskId}.bin");
    }

    /// <summary>Records one latency of <paramref name="stopwatchTicks"/>; writes the snapshot when a second has passed since the last.</summary>
    public void Record(long stopwatchTicks)
    {
        _counts[LatencyHistogram.IndexOf((long)(stopwatchTicks * NanosPerTick))]++;
        var now = Stopwatch.GetTimestamp();
        if (now >= _nextWrite)
        {
            _nextWrite = now + Stopwatch.Frequency;
            Write();
        }
    }

    private void Write()
    {
        Buffer.BlockCopy(_counts, 0, _bytes, 0, _bytes.Length);
        var tmp = _path + ".tmp";
        File.WriteAllBytes(tmp, _bytes);
        File.Move(tmp, _path, overwrite: true);
    }

    /// <summary>The sum of every snapshot in <paramref name="directory"/> (zeros when there is none).</summary>
    public static long[] ReadAll(string directory)
    {
        var sum = new long[Buckets];
        if (!Directory.Exists(directory))
        {
            return sum;
        }

        foreach (var file in Directory.EnumerateFiles(directory, "latency-*.bin"))
        {
            var bytes = File.ReadAllBytes(file);
            for (var i = 0; i < Buckets && ((i + 1) * sizeof(long)) <= bytes.Length; i++)
            {
                sum[i] += BitConverter.ToInt64(bytes, i * sizeof(long));
            }
        }

        return sum;
    }

    /// <summary>The mean of the latencies counted in <paramref name="counts"/> (each at its bucket's midpoint), milliseconds (NaN when empty).</summary>
    public static double MeanMs(long[] counts)
    {
        long total = 0;
        double sum = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            total += counts[i];
            sum += counts[i] * LatencyHistogram.MidpointOf(i);
        }

        return total == 0 ? double.NaN : sum / total / 1e6;
    }

    /// <summary>The <paramref name="quantile"/> of the latencies counted in <paramref name="counts"/>, milliseconds (NaN when empty).</summary>
    public static double PercentileMs(long[] counts, double quantile)
    {
        long total = 0;
        foreach (var c in counts)
        {
            total += c;
        }

        if (total == 0)
        {
            return double.NaN;
        }

        var rank = (long)Math.Ceiling(quantile * total);
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank)
            {
                return LatencyHistogram.MidpointOf(i) / 1e6;
            }
        }

        return LatencyHistogram.MidpointOf(counts.Length - 1) / 1e6;
    }
}
