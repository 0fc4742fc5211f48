namespace StormSharp.Topology;

/// <summary>
/// What a spout emits through. Not thread-safe: call it from the spout's executor thread.
/// </summary>
public interface ISpoutOutputCollector
{
    /// <summary>
    /// Emits <paramref name="tuple"/> on <paramref name="streamId"/>. With a non-null <paramref name="messageId"/>
    /// the tuple is tracked: the spout's Ack or Fail is called with that id once its tree completes, fails or times out.
    /// </summary>
    /// <returns>The task ids the tuple was sent to. The list is reused by the next emit: copy it to keep it.</returns>
    IReadOnlyList<int> Emit(string streamId, IReadOnlyList<object?> tuple, object? messageId);

    /// <summary>Emits on the default stream, tracked when <paramref name="messageId"/> is not null.</summary>
    IReadOnlyList<int> Emit(IReadOnlyList<object?> tuple, object? messageId);

    /// <summary>Emits on the default stream, untracked.</summary>
    IReadOnlyList<int> Emit(IReadOnlyList<object?> tuple);

    /// <summary>Emits to one task of a component subscribed to the direct stream <paramref name="streamId"/>.</summary>
    void EmitDirect(int taskId, string streamId, IReadOnlyList<object?> tuple, object? messageId);

    /// <summary>Emits directly on the default stream (which must be declared direct).</summary>
    void EmitDirect(int taskId, IReadOnlyList<object?> tuple, object? messageId);

    /// <summary>The number of this task's tuples emitted with a message id and not yet acked or failed.</summary>
    int PendingCount { get; }

    /// <summary>Records an error for this component (kept with its time and shown in stats and the UI).</summary>
    void ReportError(Exception error);
}
