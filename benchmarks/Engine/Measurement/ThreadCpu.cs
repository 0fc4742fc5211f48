using System.Globalization;

namespace StormSharp.Benchmarks.Engine.Measurement;

/// <summary>
/// CPU time per thread of this process, from /proc/self/task (Linux), grouped by thread name (the engine names
/// executor threads after their component; the kernel keeps the first 15 characters). Tells which stage is the
/// bottleneck: a stage near 1.0 core is saturated, a pipeline with none near it is waiting, not working.
/// </summary>
public static class ThreadCpu
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    public static Dictionary<int, (string Name, long Ticks)> Snapshot()
    {
        var result = new Dictionary<int, (string, long)>();
        try
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc/self/task"))
            {
                try
                {
                    var tid = int.Parse(Path.GetFileName(dir), CultureInfo.InvariantCulture);
                    var name = File.ReadAllText(Path.Combine(dir, "comm")).Trim();
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));

                    // Fields after the parenthesised name: state is field 3, utime 14, stime 15.
                    var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    var ticks = long.Parse(rest[11], CultureInfo.InvariantCulture) + long.Parse(rest[12], CultureInfo.InvariantCulture);
                    result[tid] = (name, ticks);
                }
                catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException or UnauthorizedAccessException)
                {
                    // The thread ended while being read.
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return result;
    }

    /// <summary>Cores used per thread name between two snapshots, busiest first, as "name 0.95, name 0.40, ...".</summary>
    public static string Describe(Dictionary<int, (string Name, long Ticks)> before, Dictionary<int, (string Name, long Ticks)> after, double seconds, int top = 8)
    {
        var byName = new Dictionary<string, (double Cores, int Threads)>(StringComparer.Ordinal);
        foreach (var (tid, (name, ticks)) in after)
        {
            var start = before.TryGetValue(tid, out var b) ? b.Ticks : 0;
            var cores = (ticks - start) / TicksPerSecond / seconds;
            if (cores <= 0.005)
            {
                continue;
            }

            var key = name.Length == 0 ? "?" : name;
            byName.TryGetValue(key, out var agg);
            byName[key] = (agg.Cores + cores, agg.Threads + 1);
        }

        return string.Join(", ", byName
            .OrderByDescending(kv => kv.Value.Cores)
            .Take(top)
            .Select(kv => $"`{kv.Key}`{(kv.Value.Threads > 1 ? $" x{kv.Value.Threads}" : string.Empty)} {kv.Value.Cores.ToString("0.00", CultureInfo.InvariantCulture)}"));
    }
}
