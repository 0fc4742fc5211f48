namespace StormSharp.Topology;

/// <summary>
/// Turns a tuple a task received into bytes and back, with the worker's wire encoding (so a value that can travel
/// between workers can also be stored): lent by the worker to the engine's wrappers that keep tuples in checkpoints.
/// </summary>
internal interface ITupleCodec
{
    /// <summary>The source task, stream and values of <paramref name="tuple"/>; throws naming the field whose value has no encoding.</summary>
    byte[] Encode(ITuple tuple);

    /// <summary>
    /// A tuple rebuilt from <see cref="Encode"/>'s bytes, as received by <paramref name="task"/>. It belongs to no ack
    /// tree: acking or failing it does nothing.
    /// </summary>
    ITuple Decode(ReadOnlySpan<byte> bytes, int task);
}
