using System.Diagnostics;

namespace StormSharp.Runtime.Stats;

/// <summary>
/// An executor's counters, per stream: counts are exact (every tuple counts), latencies are the mean of the tuples
/// that were timed (<c>topology.stats.sample.rate</c> of them, as in Storm, since reading the clock twice per tuple
/// costs more than many bolts do); all written only by the executor's own thread, so recording is a plain increment. Windows (10 minutes, 3 hours, 1 day) are answered from snapshots
/// of the cumulative counters taken every 10 s, 1 min and 10 min: a window's value is "now minus the snapshot
/// taken a window ago", which keeps memory at a few hundred snapshots however long the topology runs.
/// </summary>
internal sealed class ExecutorStats
{
    public const int Emitted = 0;
    public const int Transferred = 1;
    public const int Acked = 2;
    public const int Failed = 3;
    public const int Executed = 4;
    public const int AckLatencyTicks = 5;
    public const int ExecuteLatencyTicks = 6;
    public const int AckTimed = 7;
    public const int ExecuteTimed = 8;
    public const int MetricCount = 9;

    private static readonly (long Every, int Keep)[] Levels =
    [
        (10 * Stopwatch.Frequency, 61),
        (60 * Stopwatch.Frequency, 181),
        (600 * Stopwatch.Frequency, 145),
    ];

    private readonly long[] _current;
    private readonly Snapshot[][] _rings;
    private readonly int[] _next = new int[Levels.Length];
    private readonly long[] _lastTaken = new long[Levels.Length];
    private readonly long _startedAt;
    private readonly long[] _ackLatencyBuckets = new long[LatencyBuckets.Count];

    public ExecutorStats(int streamCount, long startedAt)
    {
        StreamCount = streamCount;
        _current = new long[streamCount * MetricCount];
        _rings = new Snapshot[Levels.Length][];
        for (var l = 0; l < Levels.Length; l++)
        {
            _rings[l] = new Snapshot[Levels[l].Keep];
            _lastTaken[l] = startedAt;
        }

        _startedAt = startedAt;
    }

    public int StreamCount { get; }

    /// <summary>
    /// Timed acks per latency bucket (<see cref="LatencyBuckets"/>), cumulative, weighted like the mean: a spout's
    /// complete latencies, a bolt's process latencies. Read by the heartbeat without synchronisation: a count may lag.
    /// </summary>
    public ReadOnlySpan<long> AckLatencyBuckets => _ackLatencyBuckets;

    public void RecordEmit(int stream, int transferred)
    {
        var b = stream * MetricCount;
        _current[b + Emitted]++;
        _current[b + Transferred] += transferred;
    }

    /// <summary>
    /// An ack whose latency was timed; <paramref name="represents"/>: how many acks this sample stands for (the ones
    /// since the previous sample), so that a mean over samples taken more often when tuples are slow is not biased.
    /// </summary>
    public void RecordAck(int stream, long latencyTicks, int represents = 1)
    {
        var b = stream * MetricCount;
        _current[b + Acked]++;
        _current[b + AckLatencyTicks] += latencyTicks * represents;
        _current[b + AckTimed] += represents;
        _ackLatencyBuckets[LatencyBuckets.Of(latencyTicks)] += represents;
    }

    /// <summary>An ack whose latency was not timed.</summary>
    public void CountAck(int stream) => _current[(stream * MetricCount) + Acked]++;

    public void RecordFail(int stream) => _current[(stream * MetricCount) + Failed]++;

    /// <summary>
    /// <paramref name="count"/> executes timed together (an acker batch) in <paramref name="latencyTicks"/>, standing
    /// for <paramref name="represents"/> times as many (see <see cref="RecordAck"/>).
    /// </summary>
    public void RecordExecute(int stream, long latencyTicks, int count = 1, int represents = 1)
    {
        var b = stream * MetricCount;
        _current[b + Executed] += count;
        _current[b + ExecuteLatencyTicks] += latencyTicks * represents;
        _current[b + ExecuteTimed] += (long)count * represents;
    }

    /// <summary>An execute whose latency was not timed.</summary>
    public void CountExecute(int stream) => _current[(stream * MetricCount) + Executed]++;

    /// <summary>Executor thread: takes the snapshots that are due.</summary>
    public void Tick(long now)
    {
        for (var l = 0; l < Levels.Length; l++)
        {
            if (now - _lastTaken[l] < Levels[l].Every)
            {
                continue;
            }

            _lastTaken[l] = now;
            var ring = _rings[l];
            var slot = ring[_next[l]] ??= new Snapshot(_current.Length);
            Array.Copy(_current, slot.Values, _current.Length);
            Volatile.Write(ref slot.TakenAt, now);
            _next[l] = (_next[l] + 1) % ring.Length;
        }
    }

    /// <summary>
    /// Counters over the last <paramref name="windowSeconds"/> (0: since start), and the seconds they cover (less than
    /// the window while the executor is younger than it).
    /// </summary>
    public long[] Window(int windowSeconds, long now, out double coveredSeconds)
    {
        var result = (long[])_current.Clone();
        long baselineAt = _startedAt;
        if (windowSeconds > 0)
        {
            var level = windowSeconds <= 600 ? 0 : windowSeconds <= 10800 ? 1 : 2;
            var target = now - (windowSeconds * Stopwatch.Frequency);
            Snapshot? best = null;
            foreach (var s in _rings[level])
            {
                var at = s is null ? 0 : Volatile.Read(ref s.TakenAt);
                if (s is not null && at >= target && (best is null || at < best.TakenAt))
                {
                    best = s;
                }
            }

            // Only use a snapshot when the executor is older than the window; otherwise everything since start is in it.
            if (best is not null && _startedAt < target)
            {
                baselineAt = best.TakenAt;
                for (var i = 0; i < result.Length; i++)
                {
                    result[i] -= best.Values[i];
                }
            }
        }

        coveredSeconds = Math.Max(0, (double)(now - baselineAt) / Stopwatch.Frequency);
        return result;
    }

    private sealed class Snapshot(int length)
    {
        public readonly long[] Values = new long[length];
        public long TakenAt;
    }
}
