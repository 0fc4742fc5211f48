namespace StormSharp.Runtime.Execution;

/// <summary>
/// A counting semaphore whose waiters block at once: <see cref="SemaphoreSlim"/> spins (and yields the core) before
/// it blocks, which the executor pool, having its own spinner, only pays for: a profile of two workers on one host
/// found that spin among their larger costs.
/// </summary>
internal sealed class Permits
{
    private readonly object _gate = new(); // Monitor's Wait and Pulse need a monitor, not a Lock
    private int _count;

    /// <summary>Adds <paramref name="count"/> permits and wakes as many waiters.</summary>
    public void Release(int count = 1)
    {
        lock (_gate)
        {
            _count += count;
            for (var i = 0; i < count; i++)
            {
                Monitor.Pulse(_gate);
            }
        }
    }

    /// <summary>Takes a permit, waiting up to <paramref name="timeout"/> for one; false when none came in time.</summary>
    public bool Wait(TimeSpan timeout)
    {
        lock (_gate)
        {
            while (_count == 0)
            {
                if (!Monitor.Wait(_gate, timeout))
                {
                    return false;
                }
            }

            _count--;
            return true;
        }
    }
}
