namespace StormSharp.Topology.Windowing;

/// <summary>
/// A windowed bolt whose window is set with the <c>With...</c> methods (Storm's <c>BaseWindowedBolt</c>): a length
/// and a slide, each a <see cref="Count"/> of tuples or a <see cref="Duration"/>; processing time unless a timestamp
/// field or extractor gives event time. The settings are its component configuration
/// (<c>topology.bolts.window.*</c>), checked at submit: a duration window must fit in
/// <c>topology.message.timeout.secs</c> and a count window in <c>topology.max.spout.pending</c>.
/// </summary>
public abstract class BaseWindowedBolt : IWindowedBolt
{
    private readonly Dictionary<string, object?> _windowConfiguration = new(StringComparer.Ordinal);
    private ITimestampExtractor? _timestampExtractor;

    /// <inheritdoc/>
    public ITimestampExtractor? TimestampExtractor => _timestampExtractor;

    /// <summary>A sliding window: <paramref name="length"/> long, firing every <paramref name="slide"/>.</summary>
    public BaseWindowedBolt WithWindow(Count length, Count slide) => SetLength(length).SetSlide(slide);

    /// <summary>A sliding window: <paramref name="length"/> long, firing every <paramref name="slide"/>.</summary>
    public BaseWindowedBolt WithWindow(Count length, Duration slide) => SetLength(length).SetSlide(slide);

    /// <summary>A sliding window: <paramref name="length"/> long, firing every <paramref name="slide"/>.</summary>
    public BaseWindowedBolt WithWindow(Duration length, Count slide) => SetLength(length).SetSlide(slide);

    /// <summary>A sliding window: <paramref name="length"/> long, firing every <paramref name="slide"/>.</summary>
    public BaseWindowedBolt WithWindow(Duration length, Duration slide) => SetLength(length).SetSlide(slide);

    /// <summary>A window of the last <paramref name="length"/> tuples, firing on every tuple.</summary>
    public BaseWindowedBolt WithWindow(Count length) => SetLength(length).SetSlide(new Count(1));

    /// <summary>A window of the last <paramref name="length"/>, firing on every tuple.</summary>
    public BaseWindowedBolt WithWindow(Duration length) => SetLength(length).SetSlide(new Count(1));

    /// <summary>A tumbling window: consecutive windows of <paramref name="length"/> tuples that do not overlap.</summary>
    public BaseWindowedBolt WithTumblingWindow(Count length) => WithWindow(length, length);

    /// <summary>A tumbling window: consecutive windows of <paramref name="length"/> that do not overlap.</summary>
    public BaseWindowedBolt WithTumblingWindow(Duration length) => WithWindow(length, length);

    /// <summary>Event time read from <paramref name="fieldName"/> (a long, milliseconds since the epoch) of every input.</summary>
    public BaseWindowedBolt WithTimestampField(string fieldName)
    {
        ArgumentException.ThrowIfNullOrEmpty(fieldName);
        if (_timestampExtractor is not null)
        {
            throw new InvalidOperationException("the bolt already has a timestamp extractor; use a field or an extractor, not both");
        }

        _windowConfiguration[Config.TopologyBoltsTupleTimestampFieldName] = fieldName;
        return this;
    }

    /// <summary>Event time read by <paramref name="extractor"/>.</summary>
    public BaseWindowedBolt WithTimestampExtractor(ITimestampExtractor extractor)
    {
        ArgumentNullException.ThrowIfNull(extractor);
        if (_windowConfiguration.ContainsKey(Config.TopologyBoltsTupleTimestampFieldName))
        {
            throw new InvalidOperationException("the bolt already has a timestamp field; use a field or an extractor, not both");
        }

        _timestampExtractor = extractor;
        return this;
    }

    /// <summary>How far event time may run out of order: the watermark trails the slowest input by this much. Default 0.</summary>
    public BaseWindowedBolt WithLag(Duration lag)
    {
        ArgumentNullException.ThrowIfNull(lag);
        _windowConfiguration[Config.TopologyBoltsTupleTimestampMaxLagMs] = lag.Milliseconds;
        return this;
    }

    /// <summary>How often the watermark is computed and windows up to it fire. Default 1 s.</summary>
    public BaseWindowedBolt WithWatermarkInterval(Duration interval)
    {
        ArgumentNullException.ThrowIfNull(interval);
        _windowConfiguration[Config.TopologyBoltsWatermarkEventIntervalMs] = interval.Milliseconds;
        return this;
    }

    /// <summary>Sends tuples that arrive behind the watermark to <paramref name="streamId"/> (field <c>late_tuple</c>) instead of dropping them.</summary>
    public BaseWindowedBolt WithLateTupleStream(string streamId)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamId);
        _windowConfiguration[Config.TopologyBoltsLateTupleStream] = streamId;
        return this;
    }

    /// <inheritdoc/>
    public virtual void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector)
    {
    }

    /// <inheritdoc/>
    public abstract void Execute(TupleWindow window);

    /// <inheritdoc/>
    public virtual void Cleanup()
    {
    }

    /// <inheritdoc/>
    public abstract void DeclareOutputFields(IOutputFieldsDeclarer declarer);

    /// <summary>The window settings; an override should add to <c>base.GetComponentConfiguration()</c>.</summary>
    public virtual IDictionary<string, object?>? GetComponentConfiguration() => new Dictionary<string, object?>(_windowConfiguration, StringComparer.Ordinal);

    private BaseWindowedBolt SetLength(Count length)
    {
        ArgumentNullException.ThrowIfNull(length);
        _windowConfiguration.Remove(Config.TopologyBoltsWindowLengthDurationMs);
        _windowConfiguration[Config.TopologyBoltsWindowLengthCount] = length.Value;
        return this;
    }

    private BaseWindowedBolt SetLength(Duration length)
    {
        ArgumentNullException.ThrowIfNull(length);
        _windowConfiguration.Remove(Config.TopologyBoltsWindowLengthCount);
        _windowConfiguration[Config.TopologyBoltsWindowLengthDurationMs] = length.Milliseconds;
        return this;
    }

    private BaseWindowedBolt SetSlide(Count slide)
    {
        ArgumentNullException.ThrowIfNull(slide);
        _windowConfiguration.Remove(Config.TopologyBoltsSlidingIntervalDurationMs);
        _windowConfiguration[Config.TopologyBoltsSlidingIntervalCount] = slide.Value;
        return this;
    }

    private BaseWindowedBolt SetSlide(Duration slide)
    {
        ArgumentNullException.ThrowIfNull(slide);
        _windowConfiguration.Remove(Config.TopologyBoltsSlidingIntervalCount);
        _windowConfiguration[Config.TopologyBoltsSlidingIntervalDurationMs] = slide.Milliseconds;
        return this;
    }

    /// <summary>A length or slide measured in tuples.</summary>
    public sealed record Count
    {
        /// <summary>A count of <paramref name="value"/> tuples, at least 1.</summary>
        public Count(int value)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            Value = value;
        }

        /// <summary>The number of tuples.</summary>
        public int Value { get; }

        /// <summary>A count of <paramref name="value"/> tuples.</summary>
        public static Count Of(int value) => new(value);
    }

    /// <summary>A length, slide, lag or interval measured in time (whole milliseconds).</summary>
    public sealed record Duration
    {
        /// <summary>A duration of <paramref name="milliseconds"/>, at least 0.</summary>
        public Duration(int milliseconds)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(milliseconds);
            Milliseconds = milliseconds;
        }

        /// <summary>The duration in milliseconds.</summary>
        public int Milliseconds { get; }

        /// <summary>A duration of <paramref name="value"/> milliseconds.</summary>
        public static Duration OfMilliseconds(int value) => new(value);

        /// <summary>A duration of <paramref name="value"/> seconds.</summary>
        public static Duration OfSeconds(int value) => new(checked(value * 1000));

        /// <summary>A duration of <paramref name="value"/> minutes.</summary>
        public static Duration OfMinutes(int value) => new(checked(value * 60_000));

        /// <summary>A duration of <paramref name="value"/>, rounded down to whole milliseconds.</summary>
        public static Duration Of(TimeSpan value) => new(checked((int)value.TotalMilliseconds));
    }
}
