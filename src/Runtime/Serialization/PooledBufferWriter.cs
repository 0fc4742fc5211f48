using System.Buffers;

namespace StormSharp.Runtime.Serialization;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> over one array rented from <see cref="ArrayPool{T}.Shared"/>, kept across
/// batches by <see cref="Reset"/> so that steady traffic rents nothing. Not thread-safe.
/// </summary>
internal sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    private const int MinimumGrowth = 256;

    // Arrays are never larger than this; a batch that needs more is a bug upstream, not a reason to take all memory.
    private const int MaxCapacity = 1 << 30;

    private byte[] _buffer;
    private int _written;
    private bool _disposed;

    public PooledBufferWriter(int initialCapacity = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(initialCapacity);
        _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
    }

    public int WrittenCount => _written;

    public int Capacity => _buffer.Length;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count > _buffer.Length - _written)
        {
            throw new InvalidOperationException($"cannot advance {count} bytes past the {_buffer.Length - _written} available");
        }

        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Forgets what was written, keeping the buffer.</summary>
    public void Reset() => _written = 0;

    /// <summary>Drops everything written after <paramref name="length"/> bytes (undoes a partial write).</summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, _written);
        _written = length;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _disposed = true;
        _buffer = [];
        _written = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Ensure(int sizeHint)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        var need = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= need)
        {
            return;
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        var required = (long)_written + Math.Max(need, MinimumGrowth);
        var target = Math.Max(required, (long)_buffer.Length * 2);
        if (required > MaxCapacity)
        {
            throw new InvalidOperationException($"a buffer of {required} bytes exceeds the {MaxCapacity}-byte limit of one batch");
        }

        var grown = ArrayPool<byte>.Shared.Rent((int)Math.Min(target, MaxCapacity));
        _buffer.AsSpan(0, _written).CopyTo(grown);
        var old = _buffer;
        _buffer = grown;
        if (old.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(old);
        }
    }
}
