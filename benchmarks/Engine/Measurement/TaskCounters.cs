namespace StormSharp.Benchmarks.Engine.Measurement;

/// <summary>
/// Per-task counters, each written by one thread only (a plain volatile store, no interlocked traffic on the
/// measured path) and on its own cache line; readers sum them.
/// </summary>
public sealed class TaskCounters
{
    private const int Stride = 16;
    private const int MaxTasks = 64;
    private readonly long[] _slots = new long[MaxTasks * Stride];

    public long Sum
    {
        get
        {
            long total = 0;
            for (var i = 0; i < MaxTasks; i++)
            {
                total += Volatile.Read(ref _slots[i * Stride]);
            }

            return total;
        }
    }

    /// <summary>Sets slot <paramref name="task"/> (0..63) to <paramref name="value"/>; only its owner calls this.</summary>
    public void Publish(int task, long value) => Volatile.Write(ref _slots[(task % MaxTasks) * Stride], value);

    public void Reset() => Array.Clear(_slots);
}
