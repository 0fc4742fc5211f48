using System.Diagnostics;

namespace StormSharp.Benchmarks.Engine.Measurement;

/// <summary>
/// Paces a source at a fixed offered rate (0: as fast as it can go): <see cref="Due"/> says how many items are
/// owed by now. Sources emit what is owed (capped, so a stall does not turn into a huge burst) and otherwise
/// rest, as the spout of Storm's ThroughputVsLatency does.
/// </summary>
public sealed class Pacer
{
    private readonly double _ticksPerItem;
    private long _start;
    private long _issued;

    public Pacer(double ratePerSecond)
    {
        Rate = ratePerSecond;
        _ticksPerItem = ratePerSecond > 0 ? Stopwatch.Frequency / ratePerSecond : 0;
    }

    public double Rate { get; }

    public bool Unlimited => Rate <= 0;

    /// <summary>
    /// Items owed now, at most <paramref name="cap"/> (the rest stay owed for the next call); counts them as issued.
    /// A backlog beyond 50 ms of items is forgiven rather than emitted as a burst: the source could not keep up then.
    /// </summary>
    public int Due(int cap)
    {
        if (Unlimited)
        {
            return cap;
        }

        var now = Stopwatch.GetTimestamp();
        if (_start == 0)
        {
            _start = now;
        }

        var owed = (long)((now - _start) / _ticksPerItem) + 1 - _issued;
        if (owed <= 0)
        {
            return 0;
        }

        var backlogLimit = Math.Max(cap, (long)(Rate * 0.05));
        if (owed > backlogLimit)
        {
            _issued += owed - backlogLimit;
            owed = backlogLimit;
        }

        var n = (int)Math.Min(owed, cap);
        _issued += n;
        return n;
    }

    /// <summary>Rests briefly when nothing is owed (a spin costs a core the pipeline needs on a small machine).</summary>
    public static void Rest() => Thread.Sleep(1);
}
