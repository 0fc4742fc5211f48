using System.Globalization;

namespace StormSharp.Tests.Shared;

/// <summary>
/// The worker processes a test's cluster started, found by what only they have: <c>StormSharp.Worker.dll</c> and the
/// test's own temp folder on their command line (a supervisor passes its worker dir there). Shared by the test
/// projects that run real supervisors, by linking this file; Linux only, as the supervisor's process control is.
/// </summary>
internal static class WorkerProcesses
{
    /// <summary>The command lines (arguments joined by spaces) of the workers whose command line names <paramref name="folder"/>.</summary>
    public static IReadOnlyList<(int Pid, string CommandLine)> Under(string folder)
    {
        var result = new List<(int, string)>();
        foreach (var proc in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(proc, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains("StormSharp.Worker.dll", StringComparison.Ordinal) && cmdline.Contains(folder, StringComparison.Ordinal))
                {
                    result.Add((pid, cmdline));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended while we looked, or is not ours to read.
            }
        }

        return result;
    }

    /// <summary>The pids of <see cref="Under"/>.</summary>
    public static IReadOnlyList<int> PidsUnder(string folder) => [.. Under(folder).Select(w => w.Pid)];

    /// <summary>Kills, by pid, every worker under <paramref name="folder"/> that outlived its supervisor (a failed test).</summary>
    public static void KillUnder(string folder)
    {
        foreach (var pid in PidsUnder(folder))
        {
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(pid);
                process.Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // Already gone.
            }
        }
    }
}
