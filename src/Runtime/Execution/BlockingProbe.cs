using System.Diagnostics;
using System.Runtime.InteropServices;

namespace StormSharp.Runtime.Execution;

/// <summary>
/// What the calling thread has used so far: CPU time and the times it gave up the CPU of its own accord (a sleep, a
/// wait on a lock or a socket). Together they tell a pooled executor's turn that waited on something from one that
/// computed, and from one that was merely preempted on a busy machine, which also used little CPU but never gave the CPU
/// up itself. Linux only; elsewhere nothing is read and no turn is seen blocking.
/// </summary>
internal static partial class BlockingProbe
{
    private const int RusageThread = 1; // RUSAGE_THREAD

    public static readonly bool Supported = OperatingSystem.IsLinux();

    /// <summary>The calling thread's usage, or false where it cannot be read.</summary>
    public static bool TryRead(out ThreadUsage usage)
    {
        if (!Supported || GetRusage(RusageThread, out var r) != 0)
        {
            usage = default;
            return false;
        }

        var micros = r.UserSeconds * 1_000_000 + r.UserMicros + r.SystemSeconds * 1_000_000 + r.SystemMicros;
        usage = new ThreadUsage(micros * Stopwatch.Frequency / 1_000_000, r.VoluntarySwitches);
        return true;
    }

    /// <summary>
    /// Whether a stretch of <paramref name="wallTicks"/> between two readings waited: it used under a quarter of it on
    /// the CPU and gave the CPU up at least once. A thread preempted for most of the stretch is switched out
    /// involuntarily and does not count. A collection suspends threads, which counts as giving the CPU up: callers leave
    /// out stretches during which one ran.
    /// </summary>
    public static bool Waited(long wallTicks, in ThreadUsage before, in ThreadUsage after) =>
        (after.CpuTicks - before.CpuTicks) * 4 < wallTicks && after.VoluntarySwitches > before.VoluntarySwitches;

    [LibraryImport("libc", EntryPoint = "getrusage")]
    private static partial int GetRusage(int who, out Rusage usage);

    // struct rusage on 64-bit Linux: two timevals, then fourteen longs of which the thirteenth is ru_nvcsw.
    [StructLayout(LayoutKind.Sequential)]
    private struct Rusage
    {
        public long UserSeconds;
        public long UserMicros;
        public long SystemSeconds;
        public long SystemMicros;
        public long MaxRss;
        public long SharedText;
        public long UnsharedData;
        public long UnsharedStack;
        public long MinorFaults;
        public long MajorFaults;
        public long Swaps;
        public long BlocksIn;
        public long BlocksOut;
        public long MessagesSent;
        public long MessagesReceived;
        public long Signals;
        public long VoluntarySwitches;
        public long InvoluntarySwitches;
    }
}

/// <summary>A reading of <see cref="BlockingProbe"/>: CPU time in <see cref="Stopwatch"/> ticks, and voluntary context switches.</summary>
internal readonly record struct ThreadUsage(long CpuTicks, long VoluntarySwitches);
