using System.Globalization;

namespace StormSharp.Benchmarks.Cluster.Measurement;

/// <summary>Resident memory of other processes, from the <c>VmRSS</c> line of <c>/proc/&lt;pid&gt;/status</c>.</summary>
internal static class ResidentMemory
{
    /// <summary>Resident megabytes (MiB) of <paramref name="pid"/>; NaN when it is gone.</summary>
    public static double Megabytes(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    var kb = line.AsSpan(6).Trim();
                    kb = kb[..kb.IndexOf(' ')];
                    return long.Parse(kb, CultureInfo.InvariantCulture) / 1024.0;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone.
        }

        return double.NaN;
    }

    /// <summary>Least-squares slope of <paramref name="samples"/> (seconds, megabytes), in megabytes per minute.</summary>
    public static double GrowthPerMinute(IReadOnlyList<(double Seconds, double Megabytes)> samples)
    {
        if (samples.Count < 2)
        {
            return double.NaN;
        }

        double mx = 0, my = 0;
        foreach (var (x, y) in samples)
        {
            mx += x;
            my += y;
        }

        mx /= samples.Count;
        my /= samples.Count;
        double sxy = 0, sxx = 0;
        foreach (var (x, y) in samples)
        {
            sxy += (x - mx) * (y - my);
            sxx += (x - mx) * (x - mx);
        }

        return sxy / sxx * 60;
    }
}
