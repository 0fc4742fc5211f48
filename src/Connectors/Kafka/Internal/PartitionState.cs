namespace StormSharp.Connectors.Kafka.Internal;

/// <summary>
/// One assigned partition's offsets: which polled records are not yet done, and the commit point that follows from
/// them. Records are polled in offset order, so the commit point is the smallest offset not yet done, or the offset
/// after the last one polled when every polled record is done; gaps in the offsets (compaction, transaction markers)
/// never hold it back because only offsets actually polled are tracked.
/// </summary>
internal sealed class PartitionState
{
    private readonly SortedSet<long> _pending = [];

    /// <param name="committed">The group's committed offset as the task takes it, or -1.</param>
    /// <param name="start">The offset the task starts reading at, or -1 when it starts at the partition's beginning or end unresolved.</param>
    public PartitionState(long committed, long start)
    {
        Committed = committed;
        Start = start;
        NextToEmit = start;
    }

    /// <summary>The last committed offset (the next to read), or -1 when the group has none.</summary>
    public long Committed { get; set; }

    /// <summary>The offset the task started reading at, or -1 when it started at the partition's beginning or end unresolved.</summary>
    public long Start { get; }

    /// <summary>
    /// The offset after the last record emitted (or skipped by the translator), else <see cref="Start"/>: every record
    /// of the partition emitted so far is before it, and records polled but still waiting to be emitted are at or after it.
    /// </summary>
    public long NextToEmit { get; private set; }

    /// <summary>The highest offset polled, or -1.</summary>
    public long LastPolled { get; private set; } = -1;

    /// <summary>The first offset this task polled (for uncommitted counts before the first commit), or -1.</summary>
    public long FirstPolled { get; private set; } = -1;

    /// <summary>
    /// The offset the next record polled should have: after the last one polled, or the offset the task started from;
    /// -1 when the task started from the partition's beginning or end unresolved, where any offset is expected.
    /// </summary>
    public long NextExpected => LastPolled >= 0 ? LastPolled + 1 : Start;

    /// <summary>Records of this partition kept for retries, by offset (at-least-once only).</summary>
    public Dictionary<long, KafkaRecord> Records { get; } = [];

    public bool Paused { get; set; }

    /// <summary>The broker's first offset as last queried by the task itself (fresher than the client's cache), or -1.</summary>
    public long QueriedLow { get; set; } = -1;

    /// <summary>When the task last polled a record of this partition, or was assigned it (Stopwatch ticks).</summary>
    public long LastRecordTicks { get; set; } = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>How often in a row the task found the partition stuck behind the broker's first offset.</summary>
    public int StuckRounds { get; set; }

    public int PendingCount => _pending.Count;

    public void Polled(long offset)
    {
        if (FirstPolled < 0)
        {
            FirstPolled = offset;
        }

        LastPolled = Math.Max(LastPolled, offset);
        _pending.Add(offset);
    }

    public bool IsPending(long offset) => _pending.Contains(offset);

    /// <summary>The record at <paramref name="offset"/> was emitted or skipped.</summary>
    public void Emitted(long offset) => NextToEmit = Math.Max(NextToEmit, offset + 1);

    public void Done(long offset)
    {
        _pending.Remove(offset);
        Records.Remove(offset);
    }

    /// <summary>The offset to commit (the next record to read), or -1 when nothing was polled.</summary>
    public long CommitPoint
    {
        get
        {
            if (_pending.Count > 0)
            {
                return _pending.Min;
            }

            return LastPolled < 0 ? -1 : LastPolled + 1;
        }
    }

    /// <summary>Offsets read past the committed one, which <c>MaxUncommittedOffsets</c> bounds.</summary>
    public long Uncommitted
    {
        get
        {
            if (LastPolled < 0)
            {
                return 0;
            }

            var start = Committed >= 0 ? Committed : FirstPolled;
            return Math.Max(0, LastPolled + 1 - start);
        }
    }
}
