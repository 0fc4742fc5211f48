using System.Collections.Concurrent;
using System.Diagnostics;

namespace StormSharp.Runtime.Execution;

/// <summary>
/// The threads that run pooled executors' turns: one per core, shared by every topology in the process. A scheduled
/// executor waits in one ready queue; a thread that finds it empty spins briefly, then sleeps until something is
/// scheduled. The size is fixed, unlike the .NET thread pool's, whose hill climbing added threads beyond the cores
/// under a steady topology, and those threads preempted each other mid-turn.
/// <para>
/// At most one thread of the pool spins at a time, and it yields the core now and then while it does. Every idle
/// thread spinning cost nothing in one process with the machine to itself, but a cluster runs several workers on a
/// host: each worker's pool spun on every core, and the spinning took the cores from the threads that move the
/// tuples between workers (the gRPC reads and writes run on the .NET pool). While a thread spins, scheduling wakes no
/// sleeper: the spinner takes the turn, and wakes a sleeper only if more turns wait behind it.
/// </para>
/// <para>
/// Blocking executors move to threads of their own (see <see cref="Executor"/>). For what that does not catch (a turn
/// that never ends because user code waits on another executor), <see cref="CheckProgress"/> adds a thread when
/// executors wait while no turn has finished for half a second, and such extra threads leave once idle.
/// </para>
/// </summary>
internal sealed class ExecutorPool : IDisposable
{
    private const int SpinRounds = 50;

    /// <summary>The spinner yields its core every this many rounds, so runnable threads of this and other processes get it.</summary>
    private const int YieldEvery = 8;
    private static readonly long StallTicks = Stopwatch.Frequency / 2;
    private static readonly TimeSpan ExtraIdleTimeout = TimeSpan.FromSeconds(10);
    private static readonly Lazy<ExecutorPool> SharedPool = new(() => new ExecutorPool(Environment.ProcessorCount));

    private readonly ConcurrentQueue<IPoolTurn> _ready = new();
    private readonly Permits _wake = new();
    private readonly int _size;
    private readonly object _checkLock = new();
    private int _threads;
    private int _idle;
    private int _spinning;
    private volatile bool _disposed;
    private long _turns;
    private long _turnsAtCheck;
    private long _checkedAt = Stopwatch.GetTimestamp();

    public ExecutorPool(int size)
    {
        _size = Math.Max(1, size);
        for (var i = 0; i < _size; i++)
        {
            StartThread(extra: false);
        }
    }

    /// <summary>The process's pool, sized to its processor count.</summary>
    public static ExecutorPool Shared => SharedPool.Value;

    /// <summary>Threads running now (the core count, plus any added for stalls).</summary>
    public int Threads => Volatile.Read(ref _threads);

    /// <summary>Queues a turn of <paramref name="executor"/>; it must not be queued or running already.</summary>
    public void Schedule(IPoolTurn executor)
    {
        _ready.Enqueue(executor);
        WakeOneUnlessSpinning();
    }

    /// <summary>From a timer, now and then: adds a thread when executors wait and no turn has finished for a while.</summary>
    public void CheckProgress(long now)
    {
        if (!Monitor.TryEnter(_checkLock))
        {
            return;
        }

        try
        {
            var turns = Volatile.Read(ref _turns);
            if (turns != _turnsAtCheck || _ready.IsEmpty)
            {
                _turnsAtCheck = turns;
                _checkedAt = now;
                return;
            }

            if (now - _checkedAt >= StallTicks)
            {
                _checkedAt = now;
                StartThread(extra: true);
            }
        }
        finally
        {
            Monitor.Exit(_checkLock);
        }
    }

    /// <summary>Lets the threads end once the turns queued now have run (the shared pool lives as long as the process).</summary>
    public void Dispose()
    {
        _disposed = true;
        _wake.Release(Volatile.Read(ref _threads) + 1);
    }

    /// <summary>
    /// Wakes a sleeping thread for a turn just queued, unless a thread is spinning (it takes the turn). Pairs with the
    /// sleeper's increment-then-look and the spinner's exchange-then-look: the enqueue before this is a full fence, so
    /// either they see the turn or this sees them idle, or not spinning, and wakes one.
    /// </summary>
    private void WakeOneUnlessSpinning()
    {
        if (Volatile.Read(ref _spinning) == 0 && Volatile.Read(ref _idle) > 0)
        {
            _wake.Release();
        }
    }

    private void StartThread(bool extra)
    {
        var n = Interlocked.Increment(ref _threads);
        var thread = new Thread(() => Run(extra))
        {
            IsBackground = true,
            Name = extra ? $"executor-pool+{n}" : $"executor-pool-{n}",
        };
        thread.Start();
    }

    private void Run(bool extra)
    {
        while (true)
        {
            if (_ready.TryDequeue(out var executor))
            {
                if (!_ready.IsEmpty)
                {
                    // More waits than this thread takes: a spinner that took this turn passes the rest on.
                    WakeOneUnlessSpinning();
                }

                executor.RunTurn();
                Interlocked.Increment(ref _turns);
                continue;
            }

            if (_disposed)
            {
                Interlocked.Decrement(ref _threads);
                _wake.Release(); // pass it on to the next sleeper
                return;
            }

            // One thread spins a little: the next batch is often microseconds away, and sleeping and waking cost more
            // than that. The others sleep at once.
            if (Interlocked.CompareExchange(ref _spinning, 1, 0) == 0)
            {
                var found = false;
                for (var i = 1; i <= SpinRounds && !found; i++)
                {
                    if (i % YieldEvery == 0)
                    {
                        Thread.Yield();
                    }
                    else
                    {
                        Thread.SpinWait(20);
                    }

                    found = !_ready.IsEmpty;
                }

                // Pairs with WakeOneUnlessSpinning: a turn scheduled while this thread was the spinner woke nobody, so
                // look once more after giving the role up (the exchange is a full fence).
                Interlocked.Exchange(ref _spinning, 0);
                if (found || !_ready.IsEmpty)
                {
                    continue;
                }
            }

            Interlocked.Increment(ref _idle);
            if (!_ready.IsEmpty)
            {
                Interlocked.Decrement(ref _idle);
                continue;
            }

            var woken = _wake.Wait(extra ? ExtraIdleTimeout : Timeout.InfiniteTimeSpan);
            Interlocked.Decrement(ref _idle);
            if (!woken && Volatile.Read(ref _threads) > _size)
            {
                Interlocked.Decrement(ref _threads);
                return; // an extra thread nobody needed for a while
            }
        }
    }
}

/// <summary>What the pool runs: an executor's turn.</summary>
internal interface IPoolTurn
{
    void RunTurn();
}
