using System.Diagnostics;
using System.Runtime.InteropServices;
using StormSharp.Runtime.Execution;

namespace StormSharp.Runtime.Tests;

/// <summary>
/// The reading behind moving a blocking executor off the pool: a thread that sleeps waited; a thread that computes, or
/// that is preempted for most of the time by other threads on its core, did not.
/// </summary>
/// <remarks>Runs alone: other tests' threads on the pinned core, or their collections, would muddle the readings.</remarks>
[Collection(nameof(BlockingProbeTests))]
public sealed partial class BlockingProbeTests
{
    private static readonly long Stretch = Stopwatch.Frequency / 10;

    [Fact]
    public void SleepingThread_Waited()
    {
        Assert.True(BlockingProbe.Supported, "StormSharp runs on Linux, where a thread's usage can be read");
        Assert.True(BlockingProbe.TryRead(out var before));
        var start = Stopwatch.GetTimestamp();
        Thread.Sleep(100);
        var wall = Stopwatch.GetTimestamp() - start;
        Assert.True(BlockingProbe.TryRead(out var after));

        Assert.True(after.VoluntarySwitches > before.VoluntarySwitches, "a sleep gives the CPU up");
        Assert.True(BlockingProbe.Waited(wall, before, after), $"cpu {after.CpuTicks - before.CpuTicks} of {wall} ticks");
    }

    [Fact]
    public void ComputingThread_DidNotWait()
    {
        Assert.True(BlockingProbe.Supported, "StormSharp runs on Linux, where a thread's usage can be read");
        Assert.True(BlockingProbe.TryRead(out var before));
        var wall = Spin(Stretch);
        Assert.True(BlockingProbe.TryRead(out var after));

        Assert.False(BlockingProbe.Waited(wall, before, after), $"cpu {after.CpuTicks - before.CpuTicks} of {wall} ticks");
    }

    [Fact]
    public void PreemptedThread_UsedLittleCpu_ButDidNotWait()
    {
        Assert.True(BlockingProbe.Supported, "StormSharp runs on Linux, where a thread's usage can be read");
        var cpu = FirstAllowedCpu();

        // Five threads spin on one core, so each gets about a fifth of it: every one is preempted, none gives the CPU up.
        const int Spinners = 4;
        using var pinned = new CountdownEvent(Spinners);
        var stop = 0;
        var spinners = Enumerable.Range(0, Spinners).Select(_ => new Thread(() =>
        {
            PinTo(cpu);
            pinned.Signal();
            while (Volatile.Read(ref stop) == 0)
            {
            }
        })
        { IsBackground = true }).ToList();
        spinners.ForEach(t => t.Start());
        try
        {
            Assert.True(pinned.Wait(TimeSpan.FromSeconds(10)), "spinners pinned");
            PinTo(cpu);
            Spin(Stopwatch.Frequency / 50); // moving to the core may itself wait: read after it

            // A collection (of tests running beside this one) suspends the thread, which counts as giving the CPU up;
            // executors leave such turns out, and so does this test.
            ThreadUsage before, after;
            long wall;
            var tries = 0;
            do
            {
                var collections = GC.CollectionCount(0);
                Assert.True(BlockingProbe.TryRead(out before));
                wall = Spin(Stretch * 3);
                Assert.True(BlockingProbe.TryRead(out after));
                if (GC.CollectionCount(0) == collections)
                {
                    break;
                }
            }
            while (++tries < 20);

            var used = after.CpuTicks - before.CpuTicks;
            Assert.True(used * 2 < wall, $"sharing one core with {Spinners} spinners, the thread used {used} of {wall} ticks");
            Assert.False(BlockingProbe.Waited(wall, before, after), $"preempted, not waiting: {after.VoluntarySwitches - before.VoluntarySwitches} voluntary switches");
        }
        finally
        {
            Volatile.Write(ref stop, 1);
            spinners.ForEach(t => t.Join(TimeSpan.FromSeconds(10)));
        }
    }

    private static long Spin(long ticks)
    {
        var start = Stopwatch.GetTimestamp();
        long now;
        do
        {
            now = Stopwatch.GetTimestamp();
        }
        while (now - start < ticks);
        return now - start;
    }

    private static int FirstAllowedCpu()
    {
        var mask = new ulong[16];
        Assert.Equal(0, SchedGetAffinity(0, (nuint)(mask.Length * sizeof(ulong)), mask));
        for (var i = 0; i < mask.Length * 64; i++)
        {
            if ((mask[i / 64] & (1UL << (i % 64))) != 0)
            {
                return i;
            }
        }

        throw new InvalidOperationException("no CPU in this thread's affinity mask");
    }

    private static void PinTo(int cpu)
    {
        var mask = new ulong[16];
        mask[cpu / 64] = 1UL << (cpu % 64);
        Assert.Equal(0, SchedSetAffinity(0, (nuint)(mask.Length * sizeof(ulong)), mask));
    }

    [LibraryImport("libc", EntryPoint = "sched_getaffinity", SetLastError = true)]
    private static partial int SchedGetAffinity(int pid, nuint size, [Out] ulong[] mask);

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static partial int SchedSetAffinity(int pid, nuint size, ulong[] mask);
}

[CollectionDefinition(nameof(BlockingProbeTests), DisableParallelization = true)]
public sealed class BlockingProbeCollection;
