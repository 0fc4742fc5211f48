using System.Buffers;
using System.Buffers.Binary;
using System.Collections;
using System.Text;

namespace StormSharp.Runtime.Serialization;

/// <summary>
/// The wire encoding of tuples between workers. A batch is a version byte followed by tuples until its end (the
/// transport frames batches). A tuple is: source task and destination task (zigzag varints); stream (varint:
/// table index + 1, or 0 followed by the id as a string); anchors (varint count, then fixed 8-byte root and edge
/// ids, which are random and would not shrink as varints); values (varint count, then tagged values, see
/// <see cref="WireTag"/>). Lengths are varints. Encoding writes only into the caller's buffer; decoding checks
/// every length against the bytes left before allocating, so corrupt input fails fast with
/// <see cref="WireFormatException"/> instead of looping or allocating without bound. Thread-safe once built.
/// </summary>
internal sealed partial class TupleCodec
{
    public const byte FormatVersion = 1;

    /// <summary>How deep lists and maps may nest; beyond it encoding refuses (a list containing itself) and decoding rejects.</summary>
    public const int MaxNesting = 64;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // Scratch space for user-type payloads, whose length must be known before they are copied in.
    [ThreadStatic]
    private static PooledBufferWriter? _scratch;

    private readonly StreamTable _streams;
    private readonly TupleValueSerializerRegistry _serializers;

    public TupleCodec(StreamTable? streams = null, TupleValueSerializerRegistry? serializers = null)
    {
        _streams = streams ?? StreamTable.Empty;
        _serializers = serializers ?? TupleValueSerializerRegistry.Empty;
    }

    public StreamTable Streams => _streams;

    /// <summary>Starts a batch in <paramref name="output"/>; tuples follow through <see cref="WriteTuple"/>.</summary>
    public static void WriteBatchHeader(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.GetSpan(1)[0] = FormatVersion;
        output.Advance(1);
    }

    /// <summary>
    /// Appends one tuple. On an exception (a value with no encoding) part of the tuple may already be in
    /// <paramref name="output"/>: the caller must drop it (see <see cref="TupleBatchWriter"/>, which does).
    /// </summary>
    public void WriteTuple(
        IBufferWriter<byte> output, int sourceTask, int destTask, string streamId, ReadOnlySpan<AckAnchor> anchors, IReadOnlyList<object?> values)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(streamId);
        ArgumentNullException.ThrowIfNull(values);
        var o = new Output(output);
        o.WriteVarInt32(sourceTask);
        o.WriteVarInt32(destTask);
        if (_streams.TryGetIndex(streamId, out var index))
        {
            o.WriteVarUInt32((uint)index + 1);
        }
        else
        {
            o.WriteVarUInt32(0);
            o.WriteString(streamId);
        }

        o.WriteVarUInt32((uint)anchors.Length);
        foreach (var a in anchors)
        {
            var span = o.Reserve(16);
            BinaryPrimitives.WriteInt64LittleEndian(span, a.RootId);
            BinaryPrimitives.WriteInt64LittleEndian(span[8..], a.EdgeId);
            o.Advance(16);
        }

        var count = values.Count;
        o.WriteVarUInt32((uint)count);
        for (var i = 0; i < count; i++)
        {
            WriteValue(ref o, values[i], i, streamId, 0);
        }

        o.Flush();
    }

    /// <summary>Decodes every tuple of <paramref name="batch"/> into <paramref name="output"/>; returns how many.</summary>
    public int ReadBatch(ReadOnlySpan<byte> batch, ICollection<WireTuple> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var r = new Input(batch);
        if (batch.IsEmpty)
        {
            throw new WireFormatException("tuple batch is empty (no format version byte)");
        }

        var version = r.ReadByte();
        if (version != FormatVersion)
        {
            throw new WireFormatException($"tuple batch has format version {version}; this worker reads version {FormatVersion}");
        }

        var n = 0;
        while (!r.AtEnd)
        {
            output.Add(ReadTuple(ref r));
            n++;
        }

        return n;
    }

    private WireTuple ReadTuple(ref Input r)
    {
        var sourceTask = r.ReadVarInt32();
        var destTask = r.ReadVarInt32();
        var streamRef = r.ReadVarUInt32();
        string streamId;
        if (streamRef == 0)
        {
            streamId = r.ReadString();
        }
        else if (!_streams.TryGetId((int)Math.Min(streamRef - 1, int.MaxValue), out streamId))
        {
            throw r.Error($"stream index {streamRef - 1} is not in this worker's table of {_streams.Count} streams");
        }

        var anchorCount = r.ReadCount(16, "anchors");
        var anchors = anchorCount == 0 ? [] : new AckAnchor[anchorCount];
        for (var i = 0; i < anchorCount; i++)
        {
            var bytes = r.ReadBytes(16, "anchor");
            anchors[i] = new AckAnchor(BinaryPrimitives.ReadInt64LittleEndian(bytes), BinaryPrimitives.ReadInt64LittleEndian(bytes[8..]));
        }

        var valueCount = r.ReadCount(1, "values");
        var values = new List<object?>(valueCount);
        for (var i = 0; i < valueCount; i++)
        {
            values.Add(ReadValue(ref r, 0));
        }

        return new WireTuple(sourceTask, destTask, streamId, anchors, values);
    }

    private void WriteValue(ref Output o, object? value, int field, string streamId, int depth)
    {
        switch (value)
        {
            case null:
                o.WriteTag(WireTag.Null);
                return;
            case string s:
                o.WriteTag(WireTag.String);
                o.WriteString(s);
                return;
            case int i:
                o.WriteTag(WireTag.Int32);
                o.WriteVarInt32(i);
                return;
            case long l:
                o.WriteTag(WireTag.Int64);
                o.WriteVarInt64(l);
                return;
            case bool b:
                o.WriteTag(b ? WireTag.True : WireTag.False);
                return;
            case double d:
                {
                    var span = o.Reserve(9);
                    span[0] = (byte)WireTag.Double;
                    BinaryPrimitives.WriteDoubleLittleEndian(span[1..], d);
                    o.Advance(9);
                    return;
                }

            case byte[] bytes:
                o.WriteTag(WireTag.Bytes);
                o.WriteVarUInt32((uint)bytes.Length);
                o.WriteRaw(bytes);
                return;
            case byte b8:
                {
                    var span = o.Reserve(2);
                    span[0] = (byte)WireTag.Byte;
                    span[1] = b8;
                    o.Advance(2);
                    return;
                }

            case short s16:
                o.WriteTag(WireTag.Int16);
                o.WriteVarInt32(s16);
                return;
            case float f:
                {
                    var span = o.Reserve(5);
                    span[0] = (byte)WireTag.Single;
                    BinaryPrimitives.WriteSingleLittleEndian(span[1..], f);
                    o.Advance(5);
                    return;
                }

            case char c:
                o.WriteTag(WireTag.Char);
                o.WriteVarUInt32(c);
                return;
            case Guid g:
                {
                    var span = o.Reserve(17);
                    span[0] = (byte)WireTag.Guid;
                    g.TryWriteBytes(span.Slice(1, 16));
                    o.Advance(17);
                    return;
                }

            case DateTime dt:
                {
                    // ToBinary keeps the Kind (and, for local times, the offset at the source).
                    var span = o.Reserve(9);
                    span[0] = (byte)WireTag.DateTime;
                    BinaryPrimitives.WriteInt64LittleEndian(span[1..], dt.ToBinary());
                    o.Advance(9);
                    return;
                }

            case decimal m:
                {
                    Span<int> bits = stackalloc int[4];
                    decimal.GetBits(m, bits);
                    var span = o.Reserve(17);
                    span[0] = (byte)WireTag.Decimal;
                    for (var k = 0; k < 4; k++)
                    {
                        BinaryPrimitives.WriteInt32LittleEndian(span.Slice(1 + (4 * k), 4), bits[k]);
                    }

                    o.Advance(17);
                    return;
                }
        }

        if (_serializers.Count > 0 && _serializers.TryGet(value.GetType(), out var serializer))
        {
            WriteUser(ref o, serializer, value);
            return;
        }

        if (depth >= MaxNesting)
        {
            throw new NotSupportedException(
                $"tuple field {field} on stream '{streamId}' nests lists or maps more than {MaxNesting} deep (does a collection contain itself?)");
        }

        switch (value)
        {
            case IReadOnlyList<object?> list:
                {
                    var count = list.Count;
                    o.WriteTag(WireTag.List);
                    o.WriteVarUInt32((uint)count);
                    for (var i = 0; i < count; i++)
                    {
                        WriteValue(ref o, list[i], field, streamId, depth + 1);
                    }

                    return;
                }

            case IList list:
                {
                    // Lists of value types (List<int>, int[]) are not IReadOnlyList<object?>; each element is boxed here.
                    var count = list.Count;
                    o.WriteTag(WireTag.List);
                    o.WriteVarUInt32((uint)count);
                    for (var i = 0; i < count; i++)
                    {
                        WriteValue(ref o, list[i], field, streamId, depth + 1);
                    }

                    return;
                }

            case Dictionary<string, object?> map:
                o.WriteTag(WireTag.Map);
                o.WriteVarUInt32((uint)map.Count);
                foreach (var kv in map)
                {
                    WriteValue(ref o, kv.Key, field, streamId, depth + 1);
                    WriteValue(ref o, kv.Value, field, streamId, depth + 1);
                }

                return;
            case Dictionary<object, object?> map:
                o.WriteTag(WireTag.Map);
                o.WriteVarUInt32((uint)map.Count);
                foreach (var kv in map)
                {
                    WriteValue(ref o, kv.Key, field, streamId, depth + 1);
                    WriteValue(ref o, kv.Value, field, streamId, depth + 1);
                }

                return;
            case IDictionary map:
                {
                    // Other dictionary types: one enumerator per map, the only allocation encoding can make.
                    o.WriteTag(WireTag.Map);
                    o.WriteVarUInt32((uint)map.Count);
                    var e = map.GetEnumerator();
                    var written = 0;
                    while (e.MoveNext())
                    {
                        WriteValue(ref o, e.Key, field, streamId, depth + 1);
                        WriteValue(ref o, e.Value, field, streamId, depth + 1);
                        written++;
                    }

                    if (written != map.Count)
                    {
                        throw new InvalidOperationException($"tuple field {field} on stream '{streamId}': a map changed while it was encoded");
                    }

                    return;
                }
        }

        throw new NotSupportedException(
            $"tuple field {field} on stream '{streamId}' holds a value of type {value.GetType().FullName}, which has no wire encoding: " +
            "use a primitive, string, byte[], Guid, DateTime, decimal, list or map, or register an ITupleValueSerializer for the type with Config.RegisterSerialization");
    }

    private static void WriteUser(ref Output o, ITupleValueSerializer serializer, object value)
    {
        // The payload is written to a scratch buffer first because its length goes before it.
        var scratch = _scratch ??= new PooledBufferWriter(256);
        scratch.Reset();
        serializer.Write(value, scratch);
        o.WriteTag(WireTag.User);
        o.WriteVarUInt32((uint)serializer.TypeId);
        o.WriteVarUInt32((uint)scratch.WrittenCount);
        o.WriteRaw(scratch.WrittenSpan);
        if (scratch.Capacity > 1 << 20)
        {
            // Do not pin a huge array to the thread because of one big value.
            scratch.Dispose();
            _scratch = null;
        }
    }

    private object? ReadValue(ref Input r, int depth)
    {
        var at = r.Position;
        var tag = (WireTag)r.ReadByte();
        switch (tag)
        {
            case WireTag.Null:
                return null;
            case WireTag.False:
                return false;
            case WireTag.True:
                return true;
            case WireTag.Byte:
                return r.ReadByte();
            case WireTag.Int16:
                {
                    var v = r.ReadVarInt32();
                    return v is < short.MinValue or > short.MaxValue ? throw r.Error($"short value {v} out of range") : (short)v;
                }

            case WireTag.Int32:
                return r.ReadVarInt32();
            case WireTag.Int64:
                return r.ReadVarInt64();
            case WireTag.Single:
                return BinaryPrimitives.ReadSingleLittleEndian(r.ReadBytes(4, "float"));
            case WireTag.Double:
                return BinaryPrimitives.ReadDoubleLittleEndian(r.ReadBytes(8, "double"));
            case WireTag.Char:
                {
                    var v = r.ReadVarUInt32();
                    return v > char.MaxValue ? throw r.Error($"char value {v} out of range") : (char)v;
                }

            case WireTag.String:
                return r.ReadString();
            case WireTag.Bytes:
                {
                    var length = r.ReadCount(1, "byte array");
                    return r.ReadBytes(length, "byte array").ToArray();
                }

            case WireTag.Guid:
                return new Guid(r.ReadBytes(16, "Guid"));
            case WireTag.DateTime:
                {
                    var raw = BinaryPrimitives.ReadInt64LittleEndian(r.ReadBytes(8, "DateTime"));
                    try
                    {
                        return DateTime.FromBinary(raw);
                    }
                    catch (ArgumentException e)
                    {
                        throw new WireFormatException($"tuple batch is malformed at byte {at}: invalid DateTime", e);
                    }
                }

            case WireTag.Decimal:
                {
                    var bytes = r.ReadBytes(16, "decimal");
                    Span<int> bits = stackalloc int[4];
                    for (var k = 0; k < 4; k++)
                    {
                        bits[k] = BinaryPrimitives.ReadInt32LittleEndian(bytes.Slice(4 * k, 4));
                    }

                    try
                    {
                        return new decimal(bits);
                    }
                    catch (ArgumentException e)
                    {
                        throw new WireFormatException($"tuple batch is malformed at byte {at}: invalid decimal", e);
                    }
                }

            case WireTag.List:
                {
                    CheckDepth(ref r, depth);
                    var count = r.ReadCount(1, "list");
                    var list = new List<object?>(count);
                    for (var i = 0; i < count; i++)
                    {
                        list.Add(ReadValue(ref r, depth + 1));
                    }

                    return list;
                }

            case WireTag.Map:
                {
                    CheckDepth(ref r, depth);
                    var count = r.ReadCount(2, "map");
                    var map = new Dictionary<object, object?>(count);
                    for (var i = 0; i < count; i++)
                    {
                        var keyAt = r.Position;
                        var key = ReadValue(ref r, depth + 1) ?? throw new WireFormatException($"tuple batch is malformed at byte {keyAt}: null map key");
                        if (!map.TryAdd(key, ReadValue(ref r, depth + 1)))
                        {
                            throw new WireFormatException($"tuple batch is malformed at byte {keyAt}: duplicate map key");
                        }
                    }

                    return map;
                }

            case WireTag.User:
                {
                    var typeId = r.ReadVarUInt32();
                    var length = r.ReadCount(1, "user value");
                    var payload = r.ReadBytes(length, "user value");
                    if (typeId > int.MaxValue || !_serializers.TryGet((int)typeId, out var serializer))
                    {
                        throw new WireFormatException(
                            $"tuple batch at byte {at} holds a user value of type id {typeId}, which has no registered serializer in this worker");
                    }

                    try
                    {
                        return serializer.Read(payload);
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        throw new WireFormatException(
                            $"tuple batch at byte {at}: the serializer of {serializer.ValueType.FullName} (type id {typeId}) failed: {e.Message}", e);
                    }
                }

            default:
                throw new WireFormatException($"tuple batch is malformed at byte {at}: unknown value tag {(byte)tag}");
        }
    }

    private static void CheckDepth(ref Input r, int depth)
    {
        if (depth >= MaxNesting)
        {
            throw r.Error($"lists or maps nested more than {MaxNesting} deep");
        }
    }

    private static Exception StringError(int at, Exception e) =>
        new WireFormatException($"tuple batch is malformed at byte {at}: string is not valid UTF-8", e);
}
