using System.Diagnostics;
using System.Runtime.InteropServices;

namespace StormSharp.Runtime.Execution;

/// <summary>
/// CPU time of the calling thread, in <see cref="Stopwatch"/> ticks, which tells a pooled executor's cycle that waited
/// on something (a socket, a lock, a sleep) from one that computed. Linux only; elsewhere -1 (never seen blocking).
/// </summary>
internal static partial class BlockingProbe
{
    private const int ClockThreadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID

    private static readonly bool Supported = OperatingSystem.IsLinux();

    public static long ThreadCpuTicks()
    {
        if (!Supported || ClockGetTime(ClockThreadCpuTime, out var t) != 0)
        {
            return -1;
        }

        return (long)((t.Seconds + t.Nanoseconds / 1e9) * Stopwatch.Frequency);
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
