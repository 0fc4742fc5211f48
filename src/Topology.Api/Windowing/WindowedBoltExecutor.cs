namespace StormSharp.Topology.Windowing;

/// <summary>
/// Runs an <see cref="IWindowedBolt"/> as a rich bolt (Storm's <c>WindowedBoltExecutor</c>): holds each input in the
/// task's <see cref="WindowManager"/>, fires windows on the inputs themselves (count slides) or on tick tuples (time
/// slides, watermarks), acks each input once no window still to fire can hold it, and sends late tuples to the late
/// tuple stream. Ticks come from <c>topology.tick.tuple.freq.millis</c>, which this wrapper sets, so windows fire on
/// the executor's thread like any Execute.
/// </summary>
internal sealed class WindowedBoltExecutor : IRichBolt
{
    /// <summary>The one field of a late tuple stream: the late tuple's values.</summary>
    public const string LateTupleField = "late_tuple";

    private readonly IWindowedBolt _bolt;
    [NonSerialized]
    private WindowManager? _manager;
    [NonSerialized]
    private WindowedCollector? _collector;
    [NonSerialized]
    private WindowSettings? _settings;
    [NonSerialized]
    private List<ITuple>? _released;
    [NonSerialized]
    private Action<TupleWindow>? _fire;

    public WindowedBoltExecutor(IWindowedBolt bolt)
    {
        _bolt = bolt;
    }

    /// <summary>The bolt being windowed.</summary>
    public IWindowedBolt Bolt => _bolt;

    /// <summary>Tuples this task holds now (for tests and stats).</summary>
    public int Held => _manager?.Held ?? 0;

    public void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector)
    {
        var problems = WindowSettings.Problems(context.ThisComponentId, conf).ToList();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException(string.Join("; ", problems));
        }

        _settings = WindowSettings.Read(conf);
        var eventTime = _settings.TimestampField is not null || _bolt.TimestampExtractor is not null;
        _manager = new WindowManager(_settings, eventTime);
        _manager.Start(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        if (eventTime)
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

            _manager.ExpectInputTasks(tasks.Count);
        }

        _released = [];
        _collector = new WindowedCollector(collector);
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
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        if (Utils.IsTick(input))
        {
            try
            {
                manager.Tick(now, _fire!, _released!);
            }
            finally
            {
                AckReleased();
            }

            return;
        }

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
            ts = now;
        }

        try
        {
            if (!manager.Add(input, ts, now, _fire!, _released!))
            {
                if (_settings!.LateTupleStream is { } late)
                {
                    _collector!.Inner.Emit(late, input, [new List<object?>(input.Values)]);
                }

                _collector!.Inner.Ack(input);
            }
        }
        finally
        {
            AckReleased();
        }
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

    private void AckReleased()
    {
        var released = _released!;
        for (var i = 0; i < released.Count; i++)
        {
            _collector!.Inner.Ack(released[i]);
        }

        released.Clear();
    }

    /// <summary>Anchors an unanchored emit to every tuple of the window being executed, as Storm does.</summary>
    private sealed class WindowedCollector(IOutputCollector inner) : IOutputCollector
    {
        public IOutputCollector Inner => inner;

        public TupleWindow? Window { get; set; }

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
