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
internal sealed class WindowManager(WindowSettings settings, bool eventTime, Func<long> clock)
{
    /// <summary>
    /// A window in processing time measured and slid only in tuples needs no tuple's time: the clock (dear on some
    /// hosts) is read once per window, for its end, not once per tuple.
    /// </summary>
    private readonly bool _countOnly = !eventTime && settings.LengthMs is null && settings.SlideMs is null;

    private readonly EventBuffer _events = new(); // by time, then arrival
    private readonly List<Event> _leftLastWindow = []; // released since the last fire, which held them
    private readonly List<ITuple> _added = [];
    private readonly List<ITuple> _expired = [];
    private readonly Dictionary<int, long> _maxTsByTask = [];
    private long _fires = 1; // fire numbers start at 2, so an event never held (LastFire 0) is new in the first
    private long _seq;
    private int _sinceFire;
    private long _nextFireMs = long.MinValue;
    private long _lastFiredEnd = long.MinValue;
    private long _countOnlyNow; // a count-only window's clock: the last window's end (the start before any)
    private int _counted; // event time, count slide: how many of the oldest events have been counted
    private int _expectedInputTasks;

    public long Watermark { get; private set; } = long.MinValue;

    /// <summary>Tuples held now.</summary>
    public int Held => _events.Count;

    /// <summary>Starts the clock of a processing-time slide: the first window ends one slide after <paramref name="nowMs"/>.</summary>
    public void Start(long nowMs)
    {
        _countOnlyNow = nowMs;
        if (settings.SlideMs is { } slide)
        {
            _nextFireMs = nowMs + slide;
        }
    }

    /// <summary>The input tasks the watermark waits for (event time): it is the slowest one's latest time, minus the lag.</summary>
    public void ExpectInputTasks(int count) => _expectedInputTasks = count;

    /// <summary>
    /// Adds a tuple with event time <paramref name="ts"/> (in processing time, ignored: the manager reads its clock,
    /// once per window for a window measured and slid only in tuples); false when it is late (event time at or behind
    /// the watermark), in which case it is not held. May fire windows (a count slide in processing time) and release
    /// tuples.
    /// </summary>
    public bool Add(ITuple tuple, long ts, Action<TupleWindow> fire, List<ITuple> released)
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

        // Processing time: the tuple's time is the clock's, and only moves forward here, whatever the wall clock does.
        ts = _countOnly ? _countOnlyNow : clock();
        if (_events.Count > 0 && ts < _events.Last.Ts)
        {
            ts = _events.Last.Ts;
        }

        _events.Add(new Event(tuple, ts, ++_seq));
        if (settings.LengthCount is { } length && settings.SlideMs is not null && ts <= _nextFireMs)
        {
            // Every held tuple is in the next window to fire (it ends at or after this one's time), which holds the
            // last `length` of them: the others can be in no window still to fire. A tuple past that window's end
            // means its tick is late; the windows it fires then decide.
            ReleaseOldest(_events.Count - length, released);
        }

        if (settings.SlideCount is { } slide && ++_sinceFire >= slide)
        {
            _sinceFire = 0;
            var end = ts;
            if (_countOnly)
            {
                end = _countOnlyNow = Math.Max(_countOnlyNow, clock());
            }

            Fire(end, _events.Count, fire);
            RetainAfterCountFire(end, released);
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
            ReleaseThrough(nowMs - length, released);
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

        // Each event remembers the last fire that held it: new means not held by the previous fire, expired means held
        // by the previous fire and not by this one. The window is a range of the held events, so nothing is copied for
        // it; what the previous window held and this one does not was released since (oldest first) or is held still
        // before the range (windows only move forward, so nothing after it).
        var fireNo = ++_fires;
        var previous = fireNo - 1;
        _added.Clear();
        _expired.Clear();
        foreach (var e in _leftLastWindow)
        {
            _expired.Add(e.Tuple);
        }

        _leftLastWindow.Clear();
        for (var i = 0; i < from; i++)
        {
            if (_events[i].LastFire == previous)
            {
                _expired.Add(_events[i].Tuple);
            }
        }

        for (var i = from; i < upTo; i++)
        {
            ref var e = ref _events[i];
            if (e.LastFire != previous)
            {
                _added.Add(e.Tuple);
            }

            e.LastFire = fireNo;
        }

        fire(new TupleWindow(new HeldRange(_events, from, upTo - from), _added, _expired, settings.LengthMs is { } l ? end - l : null, end));
    }

    private void RetainAfterCountFire(long end, List<ITuple> released)
    {
        // The next window fires at a later tuple, so it ends no earlier than this one.
        if (settings.LengthMs is { } length)
        {
            ReleaseThrough(end - length, released);
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
            ReleaseThrough(end + slide - length, released);
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
            ref var e = ref _events[i];
            released.Add(e.Tuple);
            if (e.LastFire == _fires)
            {
                _leftLastWindow.Add(e); // the next window reports it expired
            }
        }

        _events.RemoveFirst(n);
    }

    /// <summary>Releases the oldest events while their time is at or before <paramref name="ts"/>.</summary>
    private void ReleaseThrough(long ts, List<ITuple> released)
    {
        var n = 0;
        while (n < _events.Count && _events[n].Ts <= ts)
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
        var last = new List<long[]>();
        foreach (var e in _leftLastWindow)
        {
            last.Add([e.Seq, e.Ts]);
        }

        for (var i = 0; i < _events.Count; i++)
        {
            var e = _events[i];
            held.Add([e.Seq, e.Ts]);
            tuples.Add((e.Seq, e.Tuple));
            if (e.LastFire == _fires)
            {
                last.Add([e.Seq, e.Ts]);
            }
        }

        foreach (var e in _leftLastWindow)
        {
            tuples.Add((e.Seq, e.Tuple));
        }

        return new WindowSnapshot(held, last, _fires, _seq, _sinceFire, _lastFiredEnd, _counted, Watermark, new Dictionary<int, long>(_maxTsByTask));
    }

    /// <summary>Takes the state <paramref name="snapshot"/> recorded, with the tuples <paramref name="tupleOf"/> gives by sequence number.</summary>
    public void Restore(WindowSnapshot snapshot, Func<long, ITuple> tupleOf)
    {
        var lastSeqs = new HashSet<long>();
        foreach (var item in snapshot.Last)
        {
            lastSeqs.Add(item[0]);
        }

        var heldSeqs = new HashSet<long>();
        _events.Clear();
        foreach (var item in snapshot.Held)
        {
            heldSeqs.Add(item[0]);
            _events.Add(new Event(tupleOf(item[0]), item[1], item[0]) { LastFire = lastSeqs.Contains(item[0]) ? snapshot.Fires : 0 });
        }

        // Of the last window's events, those no longer held were released after it fired: the next window reports them expired.
        _leftLastWindow.Clear();
        foreach (var item in snapshot.Last)
        {
            if (!heldSeqs.Contains(item[0]))
            {
                _leftLastWindow.Add(new Event(tupleOf(item[0]), item[1], item[0]) { LastFire = snapshot.Fires });
            }
        }

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
        for (var i = 0; i < _events.Count; i++)
        {
            held.Add(_events[i].Tuple);
        }

        _events.Clear();
        _leftLastWindow.Clear();
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

    private struct Event(ITuple tuple, long ts, long seq)
    {
        public readonly ITuple Tuple = tuple;

        public readonly long Ts = ts;

        public readonly long Seq = seq;

        /// <summary>The number of the last fire whose window held this event; 0 for none.</summary>
        public long LastFire;
    }

    /// <summary>
    /// The held events in order, in one array: released from the front without moving the rest (the array is compacted
    /// when its end is reached and at most half of it is in use), added at the end, inserted anywhere (event time).
    /// </summary>
    private sealed class EventBuffer
    {
        private Event[] _items = new Event[16];
        private int _head;

        public int Count { get; private set; }

        public ref Event this[int index]
        {
            get
            {
                if ((uint)index >= (uint)Count)
                {
                    throw new ArgumentOutOfRangeException(nameof(index));
                }

                return ref _items[_head + index];
            }
        }

        public ref Event Last => ref this[Count - 1];

        public void Add(Event e)
        {
            MakeRoomAtEnd();
            _items[_head + Count++] = e;
        }

        public void Insert(int index, Event e)
        {
            if ((uint)index > (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(index));
            }

            MakeRoomAtEnd();
            Array.Copy(_items, _head + index, _items, _head + index + 1, Count - index);
            _items[_head + index] = e;
            Count++;
        }

        public void RemoveFirst(int n)
        {
            Array.Clear(_items, _head, n); // the tuples go with them
            _head += n;
            Count -= n;
            if (Count == 0)
            {
                _head = 0;
            }
        }

        public void Clear()
        {
            Array.Clear(_items, _head, Count);
            _head = 0;
            Count = 0;
        }

        private void MakeRoomAtEnd()
        {
            if (_head + Count < _items.Length)
            {
                return;
            }

            if (_head > 0 && Count <= _items.Length / 2)
            {
                Array.Copy(_items, _head, _items, 0, Count);
                Array.Clear(_items, Count, _head);
            }
            else
            {
                var grown = new Event[_items.Length * 2];
                Array.Copy(_items, _head, grown, 0, Count);
                _items = grown;
            }

            _head = 0;
        }
    }

    /// <summary>The tuples of a window: a range of the held events, valid while the window's Execute runs.</summary>
    private sealed class HeldRange(EventBuffer events, int from, int count) : IReadOnlyList<ITuple>
    {
        public int Count => count;

        public ITuple this[int index] => (uint)index < (uint)count ? events[from + index].Tuple : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<ITuple> GetEnumerator()
        {
            for (var i = 0; i < count; i++)
            {
                yield return events[from + i].Tuple;
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
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
