namespace StormSharp.Topology;

/// <summary>
/// What a rich bolt emits through and acks with. Not thread-safe: call it from the bolt's executor thread
/// (from <see cref="IRichBolt.Execute"/> or <see cref="IRichBolt.Prepare"/>).
/// </summary>
public interface IOutputCollector
{
    /// <summary>
    /// Emits <paramref name="tuple"/> on <paramref name="streamId"/>, anchored to <paramref name="anchors"/>
    /// (null or empty: unanchored, so its failure is not tracked).
    /// </summary>
    /// <returns>The task ids the tuple was sent to. The list is reused by the next emit: copy it to keep it.</returns>
    IReadOnlyList<int> Emit(string streamId, IEnumerable<ITuple>? anchors, IReadOnlyList<object?> tuple);

    /// <summary>Emits on <paramref name="streamId"/> anchored to one tuple (null: unanchored).</summary>
    IReadOnlyList<int> Emit(string streamId, ITuple? anchor, IReadOnlyList<object?> tuple);

    /// <summary>Emits on the default stream anchored to several tuples (multi-anchoring: it joins each of their trees).</summary>
    IReadOnlyList<int> Emit(IEnumerable<ITuple>? anchors, IReadOnlyList<object?> tuple);

    /// <summary>Emits on the default stream anchored to one tuple (null: unanchored).</summary>
    IReadOnlyList<int> Emit(ITuple? anchor, IReadOnlyList<object?> tuple);

    /// <summary>Emits on the default stream, unanchored.</summary>
    IReadOnlyList<int> Emit(IReadOnlyList<object?> tuple);

    /// <summary>Emits to one task of a component that subscribes to the direct stream <paramref name="streamId"/>.</summary>
    void EmitDirect(int taskId, string streamId, IEnumerable<ITuple>? anchors, IReadOnlyList<object?> tuple);

    /// <summary>Emits directly on <paramref name="streamId"/> anchored to one tuple (null: unanchored).</summary>
    void EmitDirect(int taskId, string streamId, ITuple? anchor, IReadOnlyList<object?> tuple);

    /// <summary>Emits directly on the default stream (which must be declared direct).</summary>
    void EmitDirect(int taskId, ITuple? anchor, IReadOnlyList<object?> tuple);

    /// <summary>Marks <paramref name="input"/> processed: its part of every ack tree it belongs to is done.</summary>
    void Ack(ITuple input);

    /// <summary>Fails <paramref name="input"/>: every spout tuple it descends from fails at once.</summary>
    void Fail(ITuple input);

    /// <summary>Restarts the message timeout of the spout tuples <paramref name="input"/> descends from.</summary>
    void ResetTimeout(ITuple input);

    /// <summary>Records an error for this component (kept with its time and shown in stats and the UI).</summary>
    void ReportError(Exception error);
}
