using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace StormSharp.ZooKeeper.Internal;

/// <summary>
/// Serializes jute records (big-endian, length-prefixed strings and buffers) into a pooled array.
/// A mutable struct: keep it in a local and pass it by ref.
/// </summary>
internal struct JuteWriter
{
    private byte[] _buffer;
    private int _position;

    public JuteWriter(int initialCapacity)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
        _position = 0;
    }

    public readonly byte[] Buffer => _buffer;

    public readonly int Length => _position;

    /// <summary>Starts a request frame; the xid is patched in by the sender just before writing.</summary>
    public static JuteWriter ForRequest(int opCode, int bodySizeHint)
    {
        var w = new JuteWriter(12 + bodySizeHint);
        w._position = 12;
        BinaryPrimitives.WriteInt32BigEndian(w._buffer.AsSpan(8), opCode);
        return w;
    }

    /// <summary>Writes the frame's length prefix; call once the body is complete.</summary>
    public readonly void FinishFrame() => BinaryPrimitives.WriteInt32BigEndian(_buffer, _position - 4);

    public void WriteInt(int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(Grow(4), value);
        _position += 4;
    }

    public void WriteLong(long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(Grow(8), value);
        _position += 8;
    }

    public void WriteBool(bool value)
    {
        Grow(1)[0] = value ? (byte)1 : (byte)0;
        _position += 1;
    }

    public void WriteString(string? value)
    {
        if (value is null)
        {
            WriteInt(-1);
            return;
        }

        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        var span = Grow(4 + max);
        var n = Encoding.UTF8.GetBytes(value, span[4..]);
        BinaryPrimitives.WriteInt32BigEndian(span, n);
        _position += 4 + n;
    }

    public void WriteBuffer(ReadOnlySpan<byte> value)
    {
        var span = Grow(4 + value.Length);
        BinaryPrimitives.WriteInt32BigEndian(span, value.Length);
        value.CopyTo(span[4..]);
        _position += 4 + value.Length;
    }

    public void WriteAcls(IReadOnlyList<Acl> acls)
    {
        WriteInt(acls.Count);
        for (var i = 0; i < acls.Count; i++)
        {
            WriteInt((int)acls[i].Perms);
            WriteString(acls[i].Scheme);
            WriteString(acls[i].Id);
        }
    }

    public void WriteStrings(IReadOnlyList<string> values)
    {
        WriteInt(values.Count);
        for (var i = 0; i < values.Count; i++)
        {
            WriteString(values[i]);
        }
    }

    public void Dispose()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }

    private Span<byte> Grow(int count)
    {
        if (_position + count > _buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _position + count));
            _buffer.AsSpan(0, _position).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }

        return _buffer.AsSpan(_position);
    }
}
