namespace StormSharp.Topology;

/// <summary>
/// What a basic bolt emits through: every emit is anchored to the input being executed, and the input is
/// acked when <see cref="IBasicBolt.Execute"/> returns (failed when it throws <see cref="FailedException"/>).
/// </summary>
public interface IBasicOutputCollector
{
    /// <summary>Emits on <paramref name="streamId"/>, anchored to the current input.</summary>
    /// <returns>The task ids the tuple was sent to. The list is reused by the next emit: copy it to keep it.</returns>
    IReadOnlyList<int> Emit(string streamId, IReadOnlyList<object?> tuple);

    /// <summary>Emits on the default stream, anchored to the current input.</summary>
    IReadOnlyList<int> Emit(IReadOnlyList<object?> tuple);

    /// <summary>Emits directly to <paramref name="taskId"/> on <paramref name="streamId"/>, anchored to the current input.</summary>
    void EmitDirect(int taskId, string streamId, IReadOnlyList<object?> tuple);

    /// <summary>Restarts the message timeout of the spout tuples the current input descends from.</summary>
    void ResetTimeout(ITuple input);

    /// <summary>Records an error for this component.</summary>
    void ReportError(Exception error);
}
