namespace StormSharp.Topology.Windowing;

/// <summary>
/// Runs an <see cref="IWindowedBolt"/> as a rich bolt (Storm's <c>WindowedBoltExecutor</c>): holds each input in the
/// task's <see cref="WindowManager"/>, fires windows on the inputs themselves (count slides) or on tick tuples (time
/// slides, watermarks), acks each input once no window still to fire can hold it, and sends late tuples to the late
/// tuple stream. Ticks come from <c>topology.tick.tuple.freq.millis</c>, which this wrapper sets, so windows fire on
/// the executor's thread like any Execute. A persistent window (a stateful windowed bolt's, whose checkpoints keep the
/// window) acks each input as soon as the window holds it instead, and emits unanchored, as Storm's
/// PersistentWindowedBoltExecutor does: the checkpoint, not the ack tree, is then what keeps the tuple.
/// </summary>
internal sealed class WindowedBoltExecutor : IRichBolt, IHeldTuplesGauge
{
    /// <summary>The one field of a late tuple stream: the late tuple's values.</summary>
    public const string LateTupleField = "late_tuple";

    private readonly IWindowedBolt _bolt;
    private readonly bool _persistent;
    [NonSerialized]
    private WindowManager? _manager;
    [NonSerialized]
    private bool _eventTime;
    [NonSerialized]
    private int _inputTasks;
    [NonSerialized]
    private int _held;
    [NonSerialized]
    private WindowedCollector? _collector;
    [NonSerialized]
    private WindowSettings? _settings;
    [NonSerialized]
    private List<ITuple>? _released;
    [NonSerialized]
    private Action<TupleWindow>? _fire;

    public WindowedBoltExecutor(IWindowedBolt bolt, bool persistent = false)
    {
        _bolt = bolt;
        _persistent = persistent;
    }

    /// <summary>The bolt being windowed.</summary>
    public IWindowedBolt Bolt => _bolt;

    /// <summary>Tuples this task's windows hold, as of the end of the last Execute; read from any thread.</summary>
    public int Held => Volatile.Read(ref _held);

    long IHeldTuplesGauge.HeldTuples => Held;

    public void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector)
    {
        var problems = WindowSettings.Problems(context.ThisComponentId, conf).ToList();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException(string.Join("; ", problems));
        }

        _settings = WindowSettings.Read(conf);
        _eventTime = _settings.TimestampField is not null || _bolt.TimestampExtractor is not null;
        if (_eventTime)
        {
            // The watermark waits for every task that feeds this one on a user stream.
            var tasks = new HashSet<int>();
            foreach (var input in context.GetThisSources())
            {
                if (!Utils.IsReservedId(input.Stream.StreamId) && !Utils.IsReservedId(input.Stream.ComponentId))
                {
                    tasks.UnionWith(context.GetComponentTasks(input.Stream.ComponentId));
                }
            }

            _inputTasks = tasks.Count;
        }

        _manager = NewManager();
        _released = [];
        _collector = new WindowedCollector(collector, anchorToWindow: !_persistent);
        _fire = w =>
        {
            _collector.Window = w;
            try
            {
                _bolt.Execute(w);
            }
            finally
            {
                _collector.Window = null;
            }
        };
        _bolt.Prepare(conf, context, _collector);
    }

    public void Execute(ITuple input)
    {
        var manager = _manager!;
        if (Utils.IsTick(input))
        {
            try
            {
                manager.Tick(NowMs(), _fire!, _released!);
            }
            finally
            {
                AckReleased();
            }

            return;
        }

        bool held;

        long ts;
        if (_bolt.TimestampExtractor is { } extractor)
        {
            ts = extractor.ExtractTimestamp(input);
        }
        else if (_settings!.TimestampField is { } field)
        {
            if (!input.Contains(field))
            {
                throw new InvalidOperationException(
                    $"tuple from '{input.SourceComponent}' on stream '{input.SourceStreamId}' has no timestamp field '{field}'");
            }

            ts = input.GetValueByField(field) switch
            {
                long l => l,
                int i => i,
                DateTimeOffset d => d.ToUnixTimeMilliseconds(),
                DateTime d => new DateTimeOffset(d.ToUniversalTime()).ToUnixTimeMilliseconds(),
                var v => throw new InvalidOperationException(
                    $"timestamp field '{field}' of a tuple from '{input.SourceComponent}' holds {v?.GetType().Name ?? "null"}, not a long of milliseconds"),
            };
        }
        else
        {
            ts = 0; // processing time: the manager stamps the tuple with its clock
        }

        try
        {
            held = manager.Add(input, ts, _fire!, _released!);
            if (!held && _settings!.LateTupleStream is { } late)
            {
                _collector!.Inner.Emit(late, input, [new List<object?>(input.Values)]);
            }
        }
        finally
        {
            AckReleased();
        }

        if (!held || _persistent)
        {
            _collector!.Inner.Ack(input);
        }
    }

    /// <summary>The windows' state for a checkpoint; <paramref name="tuples"/> receives the tuples it refers to.</summary>
    public WindowSnapshot Snapshot(List<(long Seq, ITuple Tuple)> tuples) => _manager!.Snapshot(tuples);

    /// <summary>Windows as <paramref name="snapshot"/> recorded them (empty when null), the tuples from <paramref name="tupleOf"/>.</summary>
    public void Restore(WindowSnapshot? snapshot, Func<long, ITuple> tupleOf)
    {
        var manager = NewManager();
        if (snapshot is not null)
        {
            manager.Restore(snapshot, tupleOf);
        }

        _manager = manager;
        _released!.Clear();
        Volatile.Write(ref _held, manager.Held);
    }

    /// <summary>Empties the windows; returns the tuples they held, neither acked nor failed.</summary>
    public List<ITuple> Clear()
    {
        var held = _manager!.Clear();
        Volatile.Write(ref _held, 0);
        return held;
    }

    public void Cleanup() => _bolt.Cleanup();

    public void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
        _bolt.DeclareOutputFields(declarer);
        var conf = _bolt.GetComponentConfiguration();
        if (conf is not null && conf.TryGetValue(Config.TopologyBoltsLateTupleStream, out var s) && s is string late)
        {
            declarer.DeclareStream(late, new Fields(LateTupleField));
        }
    }

    public IDictionary<string, object?>? GetComponentConfiguration()
    {
        var conf = new Dictionary<string, object?>(_bolt.GetComponentConfiguration() ?? new Dictionary<string, object?>(), StringComparer.Ordinal);
        if (!conf.ContainsKey(Config.TopologyTickTupleFreqMillis) && WindowSettings.IsWindowed(conf))
        {
            try
            {
                var settings = WindowSettings.Read(conf);
                var tick = settings.TickMillis(settings.TimestampField is not null || _bolt.TimestampExtractor is not null);
                if (tick > 0)
                {
                    conf[Config.TopologyTickTupleFreqMillis] = tick;
                }
            }
            catch (FormatException)
            {
                // Reported at submit, with the component's name.
            }
        }

        return conf;
    }

    private static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private WindowManager NewManager()
    {
        var manager = new WindowManager(_settings!, _eventTime, NowMs);
        manager.Start(NowMs());
        if (_eventTime)
        {
            manager.ExpectInputTasks(_inputTasks);
        }

        return manager;
    }

    private void AckReleased()
    {
        var released = _released!;
        if (!_persistent)
        {
            // A persistent window acked its tuples as they came.
            for (var i = 0; i < released.Count; i++)
            {
                _collector!.Inner.Ack(released[i]);
            }
        }

        released.Clear();
        Volatile.Write(ref _held, _manager!.Held);
    }

    /// <summary>Anchors an unanchored emit to every tuple of the window being executed, as Storm does (unless the window is persistent).</summary>
    private sealed class WindowedCollector(IOutputCollector inner, bool anchorToWindow) : IOutputCollector
    {
        private TupleWindow? _window;

        public IOutputCollector Inner => inner;

        public TupleWindow? Window
        {
            get => _window;
            set => _window = anchorToWindow ? value : null;
        }

        public IReadOnlyList<int> Emit(string streamId, IEnumerable<ITuple>? anchors, IReadOnlyList<object?> tuple) =>
            inner.Emit(streamId, anchors ?? Window?.Get(), tuple);

        public IReadOnlyList<int> Emit(string streamId, ITuple? anchor, IReadOnlyList<object?> tuple) =>
            anchor is null ? inner.Emit(streamId, Window?.Get(), tuple) : inner.Emit(streamId, anchor, tuple);

        public IReadOnlyList<int> Emit(ITuple? anchor, IReadOnlyList<object?> tuple) => Emit(Utils.DefaultStreamId, anchor, tuple);

        public IReadOnlyList<int> Emit(IEnumerable<ITuple>? anchors, IReadOnlyList<object?> tuple) => Emit(Utils.DefaultStreamId, anchors, tuple);

        public IReadOnlyList<int> Emit(IReadOnlyList<object?> tuple) => Emit(Utils.DefaultStreamId, (ITuple?)null, tuple);

        public void EmitDirect(int taskId, string streamId, IEnumerable<ITuple>? anchors, IReadOnlyList<object?> tuple) =>
            inner.EmitDirect(taskId, streamId, anchors ?? Window?.Get(), tuple);

        public void EmitDirect(int taskId, string streamId, ITuple? anchor, IReadOnlyList<object?> tuple)
        {
            if (anchor is null)
            {
                inner.EmitDirect(taskId, streamId, Window?.Get(), tuple);
            }
            else
            {
                inner.EmitDirect(taskId, streamId, anchor, tuple);
            }
        }

        public void EmitDirect(int taskId, ITuple? anchor, IReadOnlyList<object?> tuple) => EmitDirect(taskId, Utils.DefaultStreamId, anchor, tuple);

        public void Ack(ITuple input)
        {
            // The engine acks window tuples when they leave every window; a bolt's own ack of one is ignored so that a
            // tuple still held is never acked early.
        }

        public void Fail(ITuple input) => inner.Fail(input);

        public void ResetTimeout(ITuple input) => inner.ResetTimeout(input);

        public void ReportError(Exception error) => inner.ReportError(error);
    }
}
