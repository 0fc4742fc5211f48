using StormSharp.Topology.State;

namespace StormSharp.Topology.Windowing;

/// <summary>
/// A stateful windowed bolt whose window is set with the <c>With...</c> methods (Storm's
/// <c>BaseStatefulWindowedBolt</c>); see <see cref="IStatefulWindowedBolt{TState}"/> for what a checkpoint keeps and
/// when inputs are acked. The <c>With...</c> methods return this type, so <see cref="WithPersistence"/> can follow them.
/// </summary>
/// <typeparam name="TState">The state: <see cref="KeyValueState{TKey, TValue}"/>.</typeparam>
public abstract class BaseStatefulWindowedBolt<TState> : BaseWindowedBolt, IStatefulWindowedBolt<TState>
    where TState : IState
{
    private bool _persistent;

    /// <inheritdoc/>
    public bool IsPersistent => _persistent;

    /// <summary>
    /// Makes every checkpoint record the windows' tuples as well as the state, so that they survive a failure; the
    /// tuples' values must then have an encoding, as for tuples that cross workers. Off by default.
    /// </summary>
    public BaseStatefulWindowedBolt<TState> WithPersistence()
    {
        _persistent = true;
        return this;
    }

    /// <summary>A sliding window: <paramref name="length"/> long, firing every <paramref name="slide"/>.</summary>
    public new BaseStatefulWindowedBolt<TState> WithWindow(Count length, Count slide)
    {
        base.WithWindow(length, slide);
        return this;
    }

    /// <summary>A sliding window: <paramref name="length"/> long, firing every <paramref name="slide"/>.</summary>
    public new BaseStatefulWindowedBolt<TState> WithWindow(Count length, Duration slide)
    {
        base.WithWindow(length, slide);
        return this;
    }

    /// <summary>A sliding window: <paramref name="length"/> long, firing every <paramref name="slide"/>.</summary>
    public new BaseStatefulWindowedBolt<TState> WithWindow(Duration length, Count slide)
    {
        base.WithWindow(length, slide);
        return this;
    }

    /// <summary>A sliding window: <paramref name="length"/> long, firing every <paramref name="slide"/>.</summary>
    public new BaseStatefulWindowedBolt<TState> WithWindow(Duration length, Duration slide)
    {
        base.WithWindow(length, slide);
        return this;
    }

    /// <summary>A window of the last <paramref name="length"/> tuples, firing on every tuple.</summary>
    public new BaseStatefulWindowedBolt<TState> WithWindow(Count length)
    {
        base.WithWindow(length);
        return this;
    }

    /// <summary>A window of the last <paramref name="length"/>, firing on every tuple.</summary>
    public new BaseStatefulWindowedBolt<TState> WithWindow(Duration length)
    {
        base.WithWindow(length);
        return this;
    }

    /// <summary>A tumbling window: consecutive windows of <paramref name="length"/> tuples that do not overlap.</summary>
    public new BaseStatefulWindowedBolt<TState> WithTumblingWindow(Count length)
    {
        base.WithTumblingWindow(length);
        return this;
    }

    /// <summary>A tumbling window: consecutive windows of <paramref name="length"/> that do not overlap.</summary>
    public new BaseStatefulWindowedBolt<TState> WithTumblingWindow(Duration length)
    {
        base.WithTumblingWindow(length);
        return this;
    }

    /// <summary>Event time read from <paramref name="fieldName"/> (a long, milliseconds since the epoch) of every input.</summary>
    public new BaseStatefulWindowedBolt<TState> WithTimestampField(string fieldName)
    {
        base.WithTimestampField(fieldName);
        return this;
    }

    /// <summary>Event time read by <paramref name="extractor"/>.</summary>
    public new BaseStatefulWindowedBolt<TState> WithTimestampExtractor(ITimestampExtractor extractor)
    {
        base.WithTimestampExtractor(extractor);
        return this;
    }

    /// <summary>How far event time may run out of order: the watermark trails the slowest input by this much. Default 0.</summary>
    public new BaseStatefulWindowedBolt<TState> WithLag(Duration lag)
    {
        base.WithLag(lag);
        return this;
    }

    /// <summary>How often the watermark is computed and windows up to it fire. Default 1 s.</summary>
    public new BaseStatefulWindowedBolt<TState> WithWatermarkInterval(Duration interval)
    {
        base.WithWatermarkInterval(interval);
        return this;
    }

    /// <summary>Sends tuples that arrive behind the watermark to <paramref name="streamId"/> (field <c>late_tuple</c>) instead of dropping them.</summary>
    public new BaseStatefulWindowedBolt<TState> WithLateTupleStream(string streamId)
    {
        base.WithLateTupleStream(streamId);
        return this;
    }

    /// <inheritdoc/>
    public abstract void InitState(TState state);

    /// <inheritdoc/>
    public virtual void PrePrepare(long txid)
    {
    }

    /// <inheritdoc/>
    public virtual void PreCommit(long txid)
    {
    }

    /// <inheritdoc/>
    public virtual void PreRollback()
    {
    }
}
