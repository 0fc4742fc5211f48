namespace StormSharp.Topology.Windowing;

/// <summary>
/// The tuples of one window as it fires (Storm's <c>TupleWindow</c>): all of them, those that were not in the
/// previous window, and those of the previous window that left it. Valid during the <c>Execute</c> it is passed to.
/// </summary>
public sealed class TupleWindow
{
    private readonly IReadOnlyList<ITuple> _all;
    private readonly IReadOnlyList<ITuple> _new;
    private readonly IReadOnlyList<ITuple> _expired;

    internal TupleWindow(IReadOnlyList<ITuple> all, IReadOnlyList<ITuple> added, IReadOnlyList<ITuple> expired, long? startTimestamp, long endTimestamp)
    {
        _all = all;
        _new = added;
        _expired = expired;
        StartTimestamp = startTimestamp;
        EndTimestamp = endTimestamp;
    }

    /// <summary>
    /// Where the window starts, in milliseconds since the epoch (exclusive: tuples are in the window when their time is
    /// after it), or null for a window measured in tuples.
    /// </summary>
    public long? StartTimestamp { get; }

    /// <summary>Where the window ends, in milliseconds since the epoch (inclusive): the time it fired at.</summary>
    public long EndTimestamp { get; }

    /// <summary>Every tuple in the window, oldest first (by event time when the bolt uses it, else by arrival).</summary>
    public IReadOnlyList<ITuple> Get() => _all;

    /// <summary>The tuples of this window that were not in the previous one.</summary>
    public IReadOnlyList<ITuple> GetNew() => _new;

    /// <summary>The tuples of the previous window that are not in this one.</summary>
    public IReadOnlyList<ITuple> GetExpired() => _expired;
}
