using System.Collections.Concurrent;
using System.Diagnostics;

namespace StormSharp.Runtime.Execution;

/// <summary>
/// The threads that run pooled executors' turns: one per core, shared by every topology in the process. A scheduled
/// executor waits in one ready queue; a thread that finds it empty spins briefly, then sleeps until something is
/// scheduled. The size is fixed, unlike the .NET thread pool's, whose hill climbing added threads beyond the cores
/// under a steady topology, and those threads preempted each other mid-turn.
/// <para>
/// Blocking executors move to threads of their own (see <see cref="Executor"/>). For what that does not catch (a turn
/// that never ends because user code waits on another executor), <see cref="CheckProgress"/> adds a thread when
/// executors wait while no turn has finished for half a second, and such extra threads leave once idle.
/// </para>
/// </summary>
internal sealed class ExecutorPool : IDisposable
{
    private const int SpinRounds = 50;
    private static readonly long StallTicks = Stopwatch.Frequency / 2;
    private static readonly TimeSpan ExtraIdleTimeout = TimeSpan.FromSeconds(10);
    private static readonly Lazy<ExecutorPool> SharedPool = new(() => new ExecutorPool(Environment.ProcessorCount));

    private readonly ConcurrentQueue<IPoolTurn> _ready = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly int _size;
    private readonly object _checkLock = new();
    private int _threads;
    private int _idle;
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

        // Pairs with the sleeper's increment-then-look: the enqueue is a full fence, so either it sees our executor or
        // we see it idle and wake it.
        if (Volatile.Read(ref _idle) > 0)
        {
            _wake.Release();
        }
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

            // Spin a little: the next batch is often microseconds away, and sleeping and waking cost more than that.
            var found = false;
            for (var i = 0; i < SpinRounds && !found; i++)
            {
                Thread.SpinWait(20);
                found = !_ready.IsEmpty;
            }

            if (found)
            {
                continue;
            }

            Interlocked.Increment(ref _idle);
            if (!_ready.IsEmpty)
            {
                Interlocked.Decrement(ref _idle);
                continue;
            }

            var woken = extra ? _wake.Wait(ExtraIdleTimeout) : _wake.Wait(Timeout.Infinite);
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
