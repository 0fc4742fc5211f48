namespace StormSharp.Runtime.Serialization;

/// <summary>
/// Accumulates tuples for one destination worker into a pooled buffer: <see cref="Add"/> tuples, send
/// <see cref="WrittenMemory"/>, then <see cref="Reset"/> and reuse. A tuple that cannot be encoded is left out
/// entirely (the exception names its field) and the batch stays valid. Not thread-safe.
/// </summary>
internal sealed class TupleBatchWriter : IDisposable
{
    private readonly TupleCodec _codec;
    private readonly PooledBufferWriter _buffer;

    public TupleBatchWriter(TupleCodec codec, int initialCapacity = 16 * 1024)
    {
        _codec = codec ?? throw new ArgumentNullException(nameof(codec));
        _buffer = new PooledBufferWriter(initialCapacity);
        TupleCodec.WriteBatchHeader(_buffer);
    }

    /// <summary>Tuples in the current batch.</summary>
    public int Count { get; private set; }

    /// <summary>Bytes in the current batch, header included.</summary>
    public int Length => _buffer.WrittenCount;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.WrittenMemory;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    public void Add(int sourceTask, int destTask, string streamId, ReadOnlySpan<AckAnchor> anchors, IReadOnlyList<object?> values)
    {
        var mark = _buffer.WrittenCount;
        try
        {
            _codec.WriteTuple(_buffer, sourceTask, destTask, streamId, anchors, values);
        }
        catch
        {
            _buffer.Truncate(mark);
            throw;
        }

        Count++;
    }

    /// <summary>Starts a new batch in the same buffer.</summary>
    public void Reset()
    {
        _buffer.Reset();
        TupleCodec.WriteBatchHeader(_buffer);
        Count = 0;
    }

    public void Dispose() => _buffer.Dispose();
}
