using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;

namespace StormSharp.Runtime.Serialization;

internal sealed partial class TupleCodec
{
    /// <summary>
    /// Writes through a span obtained from the buffer writer in chunks, so that small writes cost a bounds check,
    /// not an interface call each. <see cref="Flush"/> hands the written bytes to the writer.
    /// </summary>
    private ref struct Output(IBufferWriter<byte> writer)
    {
        private const int ChunkHint = 512;

        private readonly IBufferWriter<byte> _writer = writer;
        private Span<byte> _span;
        private int _pos;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Span<byte> Reserve(int size)
        {
            if (_span.Length - _pos < size)
            {
                Grow(size);
            }

            return _span[_pos..];
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Advance(int count) => _pos += count;

        public void Flush()
        {
            if (_pos > 0)
            {
                _writer.Advance(_pos);
            }

            _pos = 0;
            _span = default;
        }

        public void WriteTag(WireTag tag)
        {
            Reserve(1)[0] = (byte)tag;
            _pos++;
        }

        public void WriteVarUInt32(uint value)
        {
            var span = Reserve(5);
            var i = 0;
            while (value >= 0x80)
            {
                span[i++] = (byte)(value | 0x80);
                value >>= 7;
            }

            span[i++] = (byte)value;
            _pos += i;
        }

        public void WriteVarUInt64(ulong value)
        {
            var span = Reserve(10);
            var i = 0;
            while (value >= 0x80)
            {
                span[i++] = (byte)(value | 0x80);
                value >>= 7;
            }

            span[i++] = (byte)value;
            _pos += i;
        }

        public void WriteVarInt32(int value) => WriteVarUInt32((uint)((value << 1) ^ (value >> 31)));

        public void WriteVarInt64(long value) => WriteVarUInt64((ulong)((value << 1) ^ (value >> 63)));

        public void WriteString(string s)
        {
            // Up to 41 chars the UTF-8 form is at most 126 bytes, so its length fits the one varint byte written after it.
            if (s.Length <= 41)
            {
                var span = Reserve(1 + 126);
                var n = Encoding.UTF8.GetBytes(s, span[1..]);
                span[0] = (byte)n;
                _pos += 1 + n;
                return;
            }

            var length = Encoding.UTF8.GetByteCount(s);
            WriteVarUInt32((uint)length);
            var dest = Reserve(length);
            _pos += Encoding.UTF8.GetBytes(s, dest);
        }

        public void WriteRaw(ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(Reserve(bytes.Length));
            _pos += bytes.Length;
        }

        private void Grow(int size)
        {
            Flush();
            _span = _writer.GetSpan(Math.Max(size, ChunkHint));
            if (_span.Length < size)
            {
                throw new InvalidOperationException($"the buffer writer returned {_span.Length} bytes when asked for {size}");
            }
        }
    }

    /// <summary>Reads a batch, checking every length against what is left so that corrupt input fails at once.</summary>
    private ref struct Input(ReadOnlySpan<byte> buffer)
    {
        private readonly ReadOnlySpan<byte> _buffer = buffer;
        private int _pos;

        public readonly int Position => _pos;

        public readonly bool AtEnd => _pos >= _buffer.Length;

        public readonly int Remaining => _buffer.Length - _pos;

        public readonly WireFormatException Error(string what) => new($"tuple batch is malformed at byte {_pos}: {what}");

        public byte ReadByte()
        {
            if (_pos >= _buffer.Length)
            {
                throw Error("truncated (expected one more byte)");
            }

            return _buffer[_pos++];
        }

        public ReadOnlySpan<byte> ReadBytes(int count, string what)
        {
            if (count > Remaining)
            {
                throw Error($"truncated {what} ({count} bytes needed, {Remaining} left)");
            }

            var span = _buffer.Slice(_pos, count);
            _pos += count;
            return span;
        }

        public uint ReadVarUInt32()
        {
            var start = _pos;
            uint result = 0;
            for (var shift = 0; shift < 35; shift += 7)
            {
                var b = ReadByte();
                if (shift == 28 && b > 0x0F)
                {
                    _pos = start;
                    throw Error("varint overflows 32 bits");
                }

                result |= (uint)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return result;
                }
            }

            _pos = start;
            throw Error("varint overflows 32 bits");
        }

        public ulong ReadVarUInt64()
        {
            var start = _pos;
            ulong result = 0;
            for (var shift = 0; shift < 70; shift += 7)
            {
                var b = ReadByte();
                if (shift == 63 && b > 0x01)
                {
                    _pos = start;
                    throw Error("varint overflows 64 bits");
                }

                result |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return result;
                }
            }

            _pos = start;
            throw Error("varint overflows 64 bits");
        }

        public int ReadVarInt32()
        {
            var v = ReadVarUInt32();
            return (int)(v >> 1) ^ -(int)(v & 1);
        }

        public long ReadVarInt64()
        {
            var v = ReadVarUInt64();
            return (long)(v >> 1) ^ -(long)(v & 1);
        }

        /// <summary>Reads a count of items that take at least <paramref name="minBytesEach"/> bytes each, refusing counts the rest cannot hold.</summary>
        public int ReadCount(int minBytesEach, string what)
        {
            var at = _pos;
            var count = ReadVarUInt32();
            if (count > (uint)(Remaining / minBytesEach))
            {
                _pos = at;
                throw Error($"{what} count {count} exceeds what the remaining {Remaining} bytes can hold");
            }

            return (int)count;
        }

        public string ReadString()
        {
            var length = ReadCount(1, "string");
            var at = _pos;
            var bytes = ReadBytes(length, "string");
            try
            {
                return StrictUtf8.GetString(bytes);
            }
            catch (DecoderFallbackException e)
            {
                throw StringError(at, e);
            }
        }
    }
}
