using System.Runtime.InteropServices;

namespace StormSharp.Benchmarks.Cluster.Rig;

/// <summary>Signals to processes this suite started, by pid; a pid counts only while its command line is the one recorded.</summary>
internal static partial class Signals
{
    public const int SigKill = 9;
    public const int SigTerm = 15;
    public const int SigCont = 18;
    public const int SigStop = 19;

    /// <summary>Whether <paramref name="pid"/> is alive (not a zombie) and its command line contains <paramref name="marker"/>.</summary>
    public static bool IsAlive(int pid, string marker)
    {
        try
        {
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
            if (!cmdline.Contains(marker, StringComparison.Ordinal))
            {
                return false;
            }

            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            return close < 0 || close + 2 >= stat.Length || stat[close + 2] != 'Z';
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>SIGTERM, then SIGKILL after <paramref name="grace"/>; returns once the process is gone (or after 10 s more).</summary>
    public static void Stop(int pid, string marker, TimeSpan grace)
    {
        if (!IsAlive(pid, marker))
        {
            return;
        }

        _ = Kill(pid, SigTerm);
        if (WaitGone(pid, marker, grace))
        {
            return;
        }

        if (IsAlive(pid, marker))
        {
            _ = Kill(pid, SigKill);
        }

        WaitGone(pid, marker, TimeSpan.FromSeconds(10));
    }

    /// <summary>The pids of <paramref name="pid"/>'s children (from <c>/proc/&lt;pid&gt;/task/*/children</c>).</summary>
    public static IReadOnlyList<int> Children(int pid)
    {
        var found = new List<int>();
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                foreach (var s in File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (int.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out var child) && !found.Contains(child))
                    {
                        found.Add(child);
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone already: no children to record.
        }

        return found;
    }

    private static bool WaitGone(int pid, string marker, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (IsAlive(pid, marker))
        {
            if (DateTime.UtcNow > until)
            {
                return false;
            }

            Thread.Sleep(50);
        }

        return true;
    }

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; false when there is no such process.</summary>
    public static bool Send(int pid, int signal) => Kill(pid, signal) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
