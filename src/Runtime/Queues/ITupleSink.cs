using StormSharp.Runtime.Tuples;

namespace StormSharp.Runtime.Queues;

/// <summary>
/// Where an executor hands a batch of tuples: a local executor's receive queue, or a connection to another worker.
/// Never blocks: it takes what it has room for, in order, and the emitter keeps the rest (backpressure).
/// </summary>
internal interface ITupleSink
{
    /// <summary>Takes as many of <paramref name="items"/> as it has room for, in order; returns how many.</summary>
    int TryPublish(ReadOnlySpan<TupleImpl> items);

    /// <summary>
    /// After a refusal: calls <paramref name="wake"/> once when room frees (right away if there is room already).
    /// A sink that cannot tell does nothing, and the emitter looks again on its timer.
    /// </summary>
    void NotifyWhenRoom(Action wake)
    {
    }
}
