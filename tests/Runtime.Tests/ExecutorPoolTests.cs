using System.Diagnostics;
using StormSharp.Runtime.Execution;

namespace StormSharp.Runtime.Tests;

public sealed class ExecutorPoolTests
{
    [Fact]
    public void TurnWaitingOnAnotherTurn_PoolOfOne_StallCheckAddsAThread()
    {
        // A turn that waits for another executor (user code can do that) holds the pool's only thread; the stall
        // check sees executors waiting and no turn finishing, and adds a thread that runs the other one.
        using var pool = new ExecutorPool(1);
        using var released = new ManualResetEventSlim();
        var waiter = new Turn(() => released.Wait(TimeSpan.FromSeconds(20)));
        var releaser = new Turn(released.Set);
        pool.Schedule(waiter);
        Await.Until(() => waiter.Started, TimeSpan.FromSeconds(5), "the waiting turn to start");
        pool.Schedule(releaser);

        var deadline = Stopwatch.GetTimestamp() + (10 * Stopwatch.Frequency);
        while (!released.IsSet && Stopwatch.GetTimestamp() < deadline)
        {
            pool.CheckProgress(Stopwatch.GetTimestamp());
            Thread.Sleep(50);
        }

        Assert.True(released.IsSet, "the second turn ran on an added thread");
        Assert.Equal(2, pool.Threads);
        Await.Until(() => waiter.Finished, TimeSpan.FromSeconds(5), "the waiting turn to finish");
    }

    [Fact]
    public void ManyTurns_FromManyThreads_EachRunsOnce()
    {
        using var pool = new ExecutorPool(2);
        var turns = Enumerable.Range(0, 10_000).Select(_ => new Turn(() => { })).ToList();
        Parallel.ForEach(turns, pool.Schedule);
        Await.Until(() => turns.All(t => t.Finished), TimeSpan.FromSeconds(20), () => $"{turns.Count(t => t.Finished)} of 10000 turns run");
        Assert.All(turns, t => Assert.Equal(1, t.Runs));
        Assert.Equal(2, pool.Threads);
    }

    [Fact]
    public void TurnsOneAtATime_AtEveryGapBetweenThem_NoneIsLeftWaiting()
    {
        // Each turn is scheduled only once the last one ran, after a gap from none to past the spin, so that turns land
        // while a thread spins, while it gives the spinning up, and while every thread sleeps: a lost wake-up leaves a
        // turn waiting for ever.
        using var pool = new ExecutorPool(2);
        var random = new Random(7);
        for (var i = 0; i < 5_000; i++)
        {
            using var ran = new ManualResetEventSlim();
            var gap = random.Next(4) switch { 0 => 0, 1 => 20, 2 => 200, _ => 2_000 };
            var until = Stopwatch.GetTimestamp() + (gap * Stopwatch.Frequency / 1_000_000);
            while (Stopwatch.GetTimestamp() < until)
            {
                Thread.SpinWait(10);
            }

            pool.Schedule(new Turn(ran.Set));
            Assert.True(ran.Wait(TimeSpan.FromSeconds(10)), $"turn {i} (after a gap of {gap} µs) ran within 10 s");
        }
    }

    [Fact]
    public void Dispose_EndsItsThreads()
    {
        var pool = new ExecutorPool(3);
        Assert.Equal(3, pool.Threads);
        pool.Dispose();
        Await.Until(() => pool.Threads == 0, TimeSpan.FromSeconds(10), () => $"{pool.Threads} threads still running");
    }

    private sealed class Turn(Action body) : IPoolTurn
    {
        private int _runs;
        private volatile bool _started;
        private volatile bool _finished;

        public bool Started => _started;

        public bool Finished => _finished;

        public int Runs => Volatile.Read(ref _runs);

        public void RunTurn()
        {
            _started = true;
            Interlocked.Increment(ref _runs);
            body();
            _finished = true;
        }
    }
}
