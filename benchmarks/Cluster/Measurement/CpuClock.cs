using System.Globalization;

namespace StormSharp.Benchmarks.Cluster.Measurement;

/// <summary>CPU time of other processes, from <c>/proc/&lt;pid&gt;/stat</c> (user + system, in clock ticks of 1/100 s).</summary>
internal static class CpuClock
{
    /// <summary>Linux's USER_HZ: clock ticks per second in <c>/proc/&lt;pid&gt;/stat</c>.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>CPU seconds <paramref name="pid"/> has used so far; NaN when it is gone.</summary>
    public static double Seconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command name (which may hold spaces) start at state (field 3); utime and stime are 14 and 15.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return double.NaN;
        }
    }

    /// <summary>The sum of <see cref="Seconds"/> over <paramref name="pids"/>.</summary>
    public static double Seconds(IEnumerable<int> pids)
    {
        var sum = 0.0;
        foreach (var pid in pids)
        {
            sum += Seconds(pid);
        }

        return sum;
    }
}
