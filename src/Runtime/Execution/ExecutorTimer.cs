using System.Diagnostics;

namespace StormSharp.Runtime.Execution;

/// <summary>
/// Wakes parked pooled executors at their deadlines: housekeeping (stats windows, ticks, timeouts), a spout's next
/// try at NextTuple, a backpressured executor's next look downstream. One thread per worker, asleep until the
/// earliest deadline (50 ms at most, when it also checks that the pool makes progress); an executor that parks with an
/// earlier deadline than planned pokes it.
/// </summary>
internal sealed class ExecutorTimer(ExecutorPool pool)
{
    private const int MaxSleepMillis = 50;

    private readonly List<Executor> _executors = [];
    private readonly ManualResetEventSlim _poke = new(false, spinCount: 0);
    private long _plannedWake = long.MaxValue;
    private volatile bool _stopping;
    private Thread? _thread;

    public void Add(Executor executor) => _executors.Add(executor);

    public void Start()
    {
        if (_executors.Count == 0 || _thread is not null)
        {
            return;
        }

        _thread = new Thread(Run) { IsBackground = true, Name = "executor-timer" };
        _thread.Start();
    }

    public void Stop()
    {
        _stopping = true;
        _poke.Set();
        _thread?.Join(TimeSpan.FromSeconds(5));
    }

    /// <summary>Called by an executor that just set its deadline: makes sure the timer is up by then.</summary>
    public void Expect(long wakeAt)
    {
        // Pairs with Run: it publishes its plan (long.MaxValue while scanning) then reads deadlines; we publish the
        // deadline then read the plan. Either the scan sees our deadline or we see a plan later than it and poke.
        Interlocked.MemoryBarrier();
        if (wakeAt < Volatile.Read(ref _plannedWake))
        {
            _poke.Set();
        }
    }

    private void Run()
    {
        while (!_stopping)
        {
            _poke.Reset();
            Volatile.Write(ref _plannedWake, long.MaxValue);
            Interlocked.MemoryBarrier();
            var now = Stopwatch.GetTimestamp();
            var next = long.MaxValue;
            foreach (var e in _executors)
            {
                var at = e.WakeAt;
                if (at <= now)
                {
                    e.DeadlinePassed(at);
                }
                else if (at < next)
                {
                    next = at;
                }
            }

            pool.CheckProgress(now);
            Volatile.Write(ref _plannedWake, next);
            Interlocked.MemoryBarrier();
            var millis = next == long.MaxValue
                ? MaxSleepMillis
                : (int)Math.Clamp(((next - now) * 1000 + Stopwatch.Frequency - 1) / Stopwatch.Frequency, 1, MaxSleepMillis);
            _poke.Wait(millis);
        }
    }
}
