namespace StormSharp.Topology.Windowing;

/// <summary>
/// The tuples one windowed task holds and the decisions of when a window fires and which tuples can leave. Single
/// threaded: the task's executor drives it with <see cref="Add"/>, <see cref="Tick"/> and watermarks.
/// </summary>
/// <remarks>
/// A window ending at time E holds the tuples whose time t is in (E - length, E] (a duration length) or the last
/// length tuples with t &lt;= E (a count length). With a time slide, windows end every slide: in processing time at
/// the task's clock, in event time at multiples of the slide up to the watermark, skipping windows that would be
/// empty. With a count slide, a window fires at every slide-th tuple (in event time, once the watermark has passed
/// it) and ends at that tuple's time. A tuple is released (and acked by the caller) once no window still to fire can
/// hold it, and only then; so a window holds what it needs and no more.
/// </remarks>
internal sealed class WindowManager(WindowSettings settings, bool eventTime)
{
    private readonly List<Event> _events = []; // by time, then arrival
    private readonly Dictionary<int, long> _maxTsByTask = [];
    private List<Event> _previous = [];
    private List<Event> _spare = [];
    private long _fires = 1; // fire numbers start at 2, so an event never held (LastFire 0) is new in the first
    private long _seq;
    private int _sinceFire;
    private long _nextFireMs = long.MinValue;
    private long _lastFiredEnd = long.MinValue;
    private int _counted; // event time, count slide: how many of the oldest events have been counted
    private int _expectedInputTasks;

    public long Watermark { get; private set; } = long.MinValue;

    /// <summary>Tuples held now.</summary>
    public int Held => _events.Count;

    /// <summary>Starts the clock of a processing-time slide: the first window ends one slide after <paramref name="nowMs"/>.</summary>
    public void Start(long nowMs)
    {
        if (settings.SlideMs is { } slide)
        {
            _nextFireMs = nowMs + slide;
        }
    }

    /// <summary>The input tasks the watermark waits for (event time): it is the slowest one's latest time, minus the lag.</summary>
    public void ExpectInputTasks(int count) => _expectedInputTasks = count;

    /// <summary>
    /// Adds a tuple with time <paramref name="ts"/>; false when it is late (event time at or behind the watermark), in
    /// which case it is not held. May fire windows (a count slide in processing time) and release tuples.
    /// </summary>
    public bool Add(ITuple tuple, long ts, long nowMs, Action<TupleWindow> fire, List<ITuple> released)
    {
        if (eventTime)
        {
            if (ts <= Watermark)
            {
                return false;
            }

            _maxTsByTask[tuple.SourceTask] = _maxTsByTask.TryGetValue(tuple.SourceTask, out var max) ? Math.Max(max, ts) : ts;
            var ev = new Event(tuple, ts, ++_seq);
            var at = _events.Count;
            while (at > _counted && _events[at - 1].Ts > ts)
            {
                at--;
            }

            _events.Insert(at, ev);
            return true;
        }

        // Processing time only moves forward here, whatever the wall clock does.
        if (_events.Count > 0 && ts < _events[^1].Ts)
        {
            ts = _events[^1].Ts;
        }

        _events.Add(new Event(tuple, ts, ++_seq));
        if (settings.LengthCount is { } length && settings.SlideMs is not null)
        {
            // Only the last `length` tuples can be in a window that fires later.
            ReleaseOldest(_events.Count - length, released);
        }

        if (settings.SlideCount is { } slide && ++_sinceFire >= slide)
        {
            _sinceFire = 0;
            Fire(ts, _events.Count, fire);
            RetainAfterCountFire(ts, released);
        }

        return true;
    }

    /// <summary>Called on every tick: fires time-slid windows that are due and, in event time, advances the watermark.</summary>
    public void Tick(long nowMs, Action<TupleWindow> fire, List<ITuple> released)
    {
        if (eventTime)
        {
            AdvanceWatermark(fire, released);
            return;
        }

        if (settings.SlideMs is { } slide)
        {
            if (nowMs - _nextFireMs > 1000L * slide)
            {
                _nextFireMs = nowMs; // far behind (a paused process): fire once now rather than every missed window
            }

            while (_nextFireMs <= nowMs)
            {
                var end = _nextFireMs;
                _nextFireMs += slide;
                Fire(end, CountUpTo(end), fire);
                RetainAfterTimeFire(end, slide, released);
            }
        }
        else if (settings.LengthMs is { } length)
        {
            // A count slide with a time length: tuples older than the length can be in no later window.
            ReleaseWhile(e => e.Ts <= nowMs - length, released);
        }
    }

    private void AdvanceWatermark(Action<TupleWindow> fire, List<ITuple> released)
    {
        if (_maxTsByTask.Count == 0 || _maxTsByTask.Count < _expectedInputTasks)
        {
            return;
        }

        var min = long.MaxValue;
        foreach (var ts in _maxTsByTask.Values)
        {
            min = Math.Min(min, ts);
        }

        var watermark = min - settings.LagMs;
        if (watermark <= Watermark)
        {
            return;
        }

        Watermark = watermark;
        if (settings.SlideMs is { } slide)
        {
            FireEventTimeWindows(slide, watermark, fire, released);
        }
        else
        {
            var every = settings.SlideCount ?? 1;
            while (_counted < _events.Count && _events[_counted].Ts <= watermark)
            {
                _counted++;
                if (++_sinceFire >= every)
                {
                    _sinceFire = 0;
                    var end = _events[_counted - 1].Ts;
                    Fire(end, _counted, fire);
                    var before = _events.Count;
                    RetainAfterCountFire(end, released);
                    _counted -= before - _events.Count;
                }
            }
        }
    }

    private void FireEventTimeWindows(long slide, long watermark, Action<TupleWindow> fire, List<ITuple> released)
    {
        while (_events.Count > 0)
        {
            // The next end: after the last fired one, and no earlier than the first end that can hold the oldest tuple.
            var end = AlignUp(_events[0].Ts, slide);
            if (_lastFiredEnd != long.MinValue)
            {
                end = Math.Max(end, _lastFiredEnd + slide);
            }

            if (end > watermark)
            {
                return;
            }

            var upTo = CountUpTo(end);
            _lastFiredEnd = end;
            if (HasAny(end, upTo))
            {
                Fire(end, upTo, fire);
            }

            RetainAfterTimeFire(end, slide, released);
        }
    }

    private bool HasAny(long end, int upTo) =>
        upTo > 0 && (settings.LengthMs is not { } length || _events[upTo - 1].Ts > end - length);

    /// <summary>Fires the window ending at <paramref name="end"/> over the first <paramref name="upTo"/> events.</summary>
    private void Fire(long end, int upTo, Action<TupleWindow> fire)
    {
        var from = 0;
        if (settings.LengthMs is { } length)
        {
            while (from < upTo && _events[from].Ts <= end - length)
            {
                from++;
            }
        }

        if (settings.LengthCount is { } count)
        {
            from = Math.Max(from, upTo - count);
        }

        // Each event remembers the last fire that held it: new means not held by the previous fire, expired means
        // held by the previous fire and not by this one. No sets, and the previous window's list is reused.
        var fireNo = ++_fires;
        var all = new List<ITuple>(upTo - from);
        var added = new List<ITuple>();
        var current = _spare;
        current.Clear();
        for (var i = from; i < upTo; i++)
        {
            var e = _events[i];
            all.Add(e.Tuple);
            current.Add(e);
            if (e.LastFire != fireNo - 1)
            {
                added.Add(e.Tuple);
            }

            e.LastFire = fireNo;
        }

        var expired = new List<ITuple>();
        foreach (var e in _previous)
        {
            if (e.LastFire != fireNo)
            {
                expired.Add(e.Tuple);
            }
        }

        _spare = _previous;
        _previous = current;
        fire(new TupleWindow(all, added, expired, settings.LengthMs is { } l ? end - l : null, end));
    }

    private void RetainAfterCountFire(long end, List<ITuple> released)
    {
        // The next window fires at a later tuple, so it ends no earlier than this one.
        if (settings.LengthMs is { } length)
        {
            ReleaseWhile(e => e.Ts <= end - length, released);
        }

        if (settings.LengthCount is { } count && settings.SlideCount is { } slide)
        {
            // The next window ends `slide` tuples later and holds the last `count` tuples there.
            // In event time only counted tuples may go: a later tuple can still be inserted before uncounted ones.
            var limit = eventTime ? _counted : _events.Count;
            ReleaseOldest(Math.Min(limit, limit + slide - count), released);
        }
    }

    private void RetainAfterTimeFire(long end, long slide, List<ITuple> released)
    {
        if (settings.LengthMs is { } length)
        {
            ReleaseWhile(e => e.Ts <= end + slide - length, released);
        }

        if (settings.LengthCount is { } count)
        {
            // Later windows end after `end`; of the tuples up to it only the last `count` can still be in one.
            ReleaseOldest(CountUpTo(end) - count, released);
        }
    }

    private int CountUpTo(long end)
    {
        var n = _events.Count;
        while (n > 0 && _events[n - 1].Ts > end)
        {
            n--;
        }

        return n;
    }

    private void ReleaseOldest(int n, List<ITuple> released)
    {
        if (n <= 0)
        {
            return;
        }

        for (var i = 0; i < n; i++)
        {
            released.Add(_events[i].Tuple);
        }

        _events.RemoveRange(0, n);
    }

    private void ReleaseWhile(Func<Event, bool> gone, List<ITuple> released)
    {
        var n = 0;
        while (n < _events.Count && gone(_events[n]))
        {
            n++;
        }

        ReleaseOldest(n, released);
    }

    /// <summary>
    /// What a checkpoint keeps of this manager: the events held and those of the last window fired (which the next
    /// window reports as expired, even once released), by sequence number and time, and the counters that decide the
    /// next fires. <paramref name="tuples"/> receives every event's tuple by sequence number, held ones first.
    /// </summary>
    public WindowSnapshot Snapshot(List<(long Seq, ITuple Tuple)> tuples)
    {
        var held = new List<long[]>(_events.Count);
        var heldSeqs = new HashSet<long>(_events.Count);
        foreach (var e in _events)
        {
            held.Add([e.Seq, e.Ts]);
            heldSeqs.Add(e.Seq);
            tuples.Add((e.Seq, e.Tuple));
        }

        var last = new List<long[]>(_previous.Count);
        foreach (var e in _previous)
        {
            last.Add([e.Seq, e.Ts]);
            if (!heldSeqs.Contains(e.Seq))
            {
                tuples.Add((e.Seq, e.Tuple));
            }
        }

        return new WindowSnapshot(held, last, _fires, _seq, _sinceFire, _lastFiredEnd, _counted, Watermark, new Dictionary<int, long>(_maxTsByTask));
    }

    /// <summary>Takes the state <paramref name="snapshot"/> recorded, with the tuples <paramref name="tupleOf"/> gives by sequence number.</summary>
    public void Restore(WindowSnapshot snapshot, Func<long, ITuple> tupleOf)
    {
        var bySeq = new Dictionary<long, Event>();
        Event EventOf(long[] item)
        {
            if (!bySeq.TryGetValue(item[0], out var e))
            {
                bySeq[item[0]] = e = new Event(tupleOf(item[0]), item[1], item[0]);
            }

            return e;
        }

        _events.Clear();
        foreach (var item in snapshot.Held)
        {
            _events.Add(EventOf(item));
        }

        _previous = [];
        foreach (var item in snapshot.Last)
        {
            var e = EventOf(item);
            e.LastFire = snapshot.Fires;
            _previous.Add(e);
        }

        _spare = [];
        _fires = snapshot.Fires;
        _seq = snapshot.Seq;
        _sinceFire = snapshot.SinceFire;
        _lastFiredEnd = snapshot.LastFiredEnd;
        _counted = snapshot.Counted;
        Watermark = snapshot.Watermark;
        _maxTsByTask.Clear();
        foreach (var (task, ts) in snapshot.MaxTsByTask)
        {
            _maxTsByTask[task] = ts;
        }
    }

    /// <summary>
    /// Starts over as if no tuple had come (event time included: replayed tuples are not late); returns the tuples
    /// held, which no window will see now.
    /// </summary>
    public List<ITuple> Clear()
    {
        var held = new List<ITuple>(_events.Count);
        foreach (var e in _events)
        {
            held.Add(e.Tuple);
        }

        _events.Clear();
        _previous = [];
        _counted = 0;
        _sinceFire = 0;
        _lastFiredEnd = long.MinValue;
        _maxTsByTask.Clear();
        Watermark = long.MinValue;
        return held;
    }

    private static long AlignUp(long ts, long slide)
    {
        var r = ts % slide;
        if (r < 0)
        {
            r += slide;
        }

        return r == 0 ? ts : ts + (slide - r);
    }

    private sealed class Event(ITuple tuple, long ts, long seq)
    {
        public ITuple Tuple { get; } = tuple;

        public long Ts { get; } = ts;

        public long Seq { get; } = seq;

        /// <summary>The number of the last fire whose window held this event; 0 for none.</summary>
        public long LastFire { get; set; }
    }
}

/// <summary>
/// A <see cref="WindowManager"/>'s state as a checkpoint keeps it (JSON): the held events and the last window's
/// events, each as [sequence number, time], and the counters.
/// </summary>
internal sealed record WindowSnapshot(
    List<long[]> Held,
    List<long[]> Last,
    long Fires,
    long Seq,
    int SinceFire,
    long LastFiredEnd,
    int Counted,
    long Watermark,
    Dictionary<int, long> MaxTsByTask);
