using System.Runtime.InteropServices;
using StormSharp.Worker;

namespace StormSharp.Supervisor.Internal;

/// <summary>
/// Worker processes by pid, never by name: a pid counts as a given worker only while <c>/proc/&lt;pid&gt;/cmdline</c>
/// runs <see cref="WorkerLayout.WorkerAssemblyFileName"/> with that worker's id, so a recycled pid is never signalled.
/// </summary>
internal static partial class ProcessControl
{
    private const int SigKill = 9;
    private const int SigTerm = 15;

    /// <summary>Whether <paramref name="pid"/> is alive and is the worker <paramref name="workerId"/> (a zombie is not).</summary>
    public static bool IsWorker(int pid, string workerId)
    {
        try
        {
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
            if (!cmdline.Contains(WorkerLayout.WorkerAssemblyFileName, StringComparison.Ordinal) || !cmdline.Contains(workerId, StringComparison.Ordinal))
            {
                return false;
            }

            // A zombie keeps its cmdline on some kernels: the state after the command name says.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            return close < 0 || close + 2 >= stat.Length || stat[close + 2] != 'Z';
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Asks the worker to stop (SIGTERM), waits up to <paramref name="grace"/> for it to go, then kills it (SIGKILL)
    /// and waits for it to be gone. Returns false when it was killed rather than stopped by itself.
    /// </summary>
    public static async Task<bool> StopAsync(int pid, string workerId, TimeSpan grace, CancellationToken cancellationToken)
    {
        if (!IsWorker(pid, workerId))
        {
            return true;
        }

        _ = Kill(pid, SigTerm);
        if (await WaitGoneAsync(pid, workerId, grace, cancellationToken).ConfigureAwait(false))
        {
            return true;
        }

        if (IsWorker(pid, workerId))
        {
            _ = Kill(pid, SigKill);
        }

        await WaitGoneAsync(pid, workerId, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        return false;
    }

    /// <summary>SIGKILL, if the pid is still the worker.</summary>
    public static void ForceKill(int pid, string workerId)
    {
        if (IsWorker(pid, workerId))
        {
            _ = Kill(pid, SigKill);
        }
    }

    private static async Task<bool> WaitGoneAsync(int pid, string workerId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var until = DateTime.UtcNow + timeout;
        while (IsWorker(pid, workerId))
        {
            if (DateTime.UtcNow > until)
            {
                return false;
            }

            // No signal to await for a process that is not our child (an adopted worker): poll.
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
