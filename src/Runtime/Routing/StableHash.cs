using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StormSharp.Runtime.Routing;

/// <summary>
/// Hashes of tuple values that are the same in every process and every run (string.GetHashCode is randomised per
/// process), so a fields grouping sends a key to the same task across workers and restarts. Stable for every type the
/// wire encoding carries (primitives, enums, strings, byte arrays, Guid, DateTime, decimal, lists and maps of those)
/// plus DateTimeOffset and TimeSpan, and for registered user types through the bytes their serializer writes. Values
/// that compare equal hash equal (1.0m and 1.00m, 0.0 and -0.0, maps in any order). Any other value is refused with
/// <see cref="UnstableHashException"/>: its GetHashCode may differ between processes, and routing the same key to two
/// tasks would be silent.
/// </summary>
internal static class StableHash
{
    /// <summary>The seed of a fields grouping's hash.</summary>
    public const uint DefaultSeed = Seed;

    private const uint Seed = 0x9747b28c;
    private const uint MapSeed = 0x5bd1e995;

    /// <summary>How deep lists and maps may nest, as in the wire encoding: a list containing itself is refused, not a stack overflow.</summary>
    private const int MaxNesting = 64;

    // Scratch space for user-type payloads; one per thread because groupers of different executors run at once.
    [ThreadStatic]
    private static Serialization.PooledBufferWriter? _scratch;

    public static int Of(IReadOnlyList<object?> values, int[] indexes, uint seed = Seed) =>
        Of(values, indexes, Serialization.TupleValueSerializerRegistry.Empty, seed);

    public static int Of(IReadOnlyList<object?> values, int[] indexes, Serialization.TupleValueSerializerRegistry serializers, uint seed = Seed)
    {
        var h = seed;
        for (var i = 0; i < indexes.Length; i++)
        {
            h = Mix(h, Value(values[indexes[i]], serializers, 0));
        }

        return (int)Finish(h);
    }

    public static uint Value(object? value) => Value(value, Serialization.TupleValueSerializerRegistry.Empty, 0);

    public static uint Value(object? value, Serialization.TupleValueSerializerRegistry serializers) => Value(value, serializers, 0);

    private static uint Value(object? value, Serialization.TupleValueSerializerRegistry serializers, int depth)
    {
        switch (value)
        {
            case null: return 0;
            case string s: return String(s);
            case int i: return (uint)i;
            case long l: return Int64(l);
            case bool b: return b ? 1231u : 1237u;
            case short sh: return (uint)sh;
            case byte by: return by;
            case char c: return c;
            case uint ui: return ui;
            case ulong ul: return Int64((long)ul);
            case sbyte sb: return (uint)sb;
            case ushort us: return us;
            case double d: return Int64(d == 0 ? 0 : BitConverter.DoubleToInt64Bits(d));
            case float f: return f == 0 ? 0 : (uint)BitConverter.SingleToInt32Bits(f);
            case byte[] bytes: return Bytes(bytes);
            case Guid g: return Guid(g);
            case DateTime dt: return Int64(dt.Ticks);
            case DateTimeOffset dto: return Int64(dto.UtcTicks);
            case TimeSpan ts: return Int64(ts.Ticks);
            case decimal m: return DecimalValue(m);
            case Enum e: return EnumValue(e);
        }

        if (serializers.Count > 0 && serializers.TryGet(value.GetType(), out var serializer))
        {
            return User(serializer, value);
        }

        if (depth >= MaxNesting)
        {
            throw new UnstableHashException(value.GetType(), $"nests lists or maps more than {MaxNesting} deep (does a collection contain itself?)");
        }

        switch (value)
        {
            case IReadOnlyList<object?> list: return List(list, serializers, depth + 1);
            case System.Collections.IList list: return List(list, serializers, depth + 1);
            case Dictionary<string, object?> map: return Map(map, serializers, depth + 1);
            case Dictionary<object, object?> map: return Map(map, serializers, depth + 1);
            case System.Collections.IDictionary map: return Map(map, serializers, depth + 1);
            default:
                throw new UnstableHashException(
                    value.GetType(),
                    "has no hash that is the same in every worker process (its GetHashCode may differ between processes)");
        }
    }

    // Indexed loops: a foreach over an interface would allocate an enumerator per hashed key.
    private static uint List(IReadOnlyList<object?> list, Serialization.TupleValueSerializerRegistry serializers, int depth)
    {
        var h = Seed;
        for (var i = 0; i < list.Count; i++)
        {
            h = Mix(h, Value(list[i], serializers, depth));
        }

        return Finish(h);
    }

    private static uint List(System.Collections.IList list, Serialization.TupleValueSerializerRegistry serializers, int depth)
    {
        var h = Seed;
        for (var i = 0; i < list.Count; i++)
        {
            h = Mix(h, Value(list[i], serializers, depth));
        }

        return Finish(h);
    }

    // Maps hash order-independently (a sum of per-entry hashes): equal maps enumerate in different orders in different
    // processes when their keys' GetHashCode is randomised.
    private static uint Map(Dictionary<string, object?> map, Serialization.TupleValueSerializerRegistry serializers, int depth)
    {
        var sum = 0u;
        foreach (var kv in map)
        {
            sum += Entry(String(kv.Key), Value(kv.Value, serializers, depth));
        }

        return Finish(Mix(Mix(MapSeed, (uint)map.Count), sum));
    }

    private static uint Map(Dictionary<object, object?> map, Serialization.TupleValueSerializerRegistry serializers, int depth)
    {
        var sum = 0u;
        foreach (var kv in map)
        {
            sum += Entry(Value(kv.Key, serializers, depth), Value(kv.Value, serializers, depth));
        }

        return Finish(Mix(Mix(MapSeed, (uint)map.Count), sum));
    }

    private static uint Map(System.Collections.IDictionary map, Serialization.TupleValueSerializerRegistry serializers, int depth)
    {
        var sum = 0u;
        var e = map.GetEnumerator();
        while (e.MoveNext())
        {
            sum += Entry(Value(e.Key, serializers, depth), Value(e.Value, serializers, depth));
        }

        return Finish(Mix(Mix(MapSeed, (uint)map.Count), sum));
    }

    private static uint Entry(uint key, uint value) => Finish(Mix(Mix(Seed, key), value));

    private static uint Int64(long l) => (uint)l ^ (uint)(l >> 32);

    // Trailing zeros are scale, not value: 1.0m equals 1.00m, so both hash as 1m. Dividing by 1 with 28 zeros keeps the
    // value and drops them; zero of any scale or sign hashes as 0.
    private static uint DecimalValue(decimal m)
    {
        if (m == 0)
        {
            return 0;
        }

        Span<int> bits = stackalloc int[4];
        decimal.GetBits(m / 1.0000000000000000000000000000m, bits);
        return Bytes(MemoryMarshal.AsBytes(bits));
    }

    private static uint EnumValue(Enum e) =>
        Type.GetTypeCode(e.GetType()) == TypeCode.UInt64
            ? Int64((long)Convert.ToUInt64(e, System.Globalization.CultureInfo.InvariantCulture))
            : Int64(Convert.ToInt64(e, System.Globalization.CultureInfo.InvariantCulture));

    private static uint User(Serialization.ITupleValueSerializer serializer, object value)
    {
        var scratch = _scratch ??= new Serialization.PooledBufferWriter(256);
        scratch.Reset();
        serializer.Write(value, scratch);

        // The type id goes in too, so two types that write the same bytes do not collide on purpose.
        var h = Mix(Seed, (uint)serializer.TypeId);
        h = Mix(h, Bytes(scratch.WrittenSpan));
        if (scratch.Capacity > 1 << 20)
        {
            scratch.Dispose();
            _scratch = null;
        }

        return Finish(h);
    }

    private static uint Guid(Guid g)
    {
        Span<byte> bytes = stackalloc byte[16];
        g.TryWriteBytes(bytes);
        return Bytes(bytes);
    }

    // XXH3 over the string's UTF-16 code units (little-endian, as on every platform .NET runs on): a few nanoseconds
    // for a word, where mixing one char at a time cost several times that on a fields grouping's hot path.
    private static uint String(string s) => Bytes(MemoryMarshal.AsBytes(s.AsSpan()));

    private static uint Bytes(ReadOnlySpan<byte> bytes)
    {
        var h = XxHash3.HashToUInt64(bytes, Seed);
        return (uint)h ^ (uint)(h >> 32);
    }

    // MurmurHash3's block mix and finaliser: cheap, and good avalanche so that modulo a task count spreads keys evenly.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Mix(uint h, uint k)
    {
        k *= 0xcc9e2d51;
        k = (k << 15) | (k >> 17);
        k *= 0x1b873593;
        h ^= k;
        h = (h << 13) | (h >> 19);
        return (h * 5) + 0xe6546b64;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Finish(uint h)
    {
        h ^= h >> 16;
        h *= 0x85ebca6b;
        h ^= h >> 13;
        h *= 0xc2b2ae35;
        h ^= h >> 16;
        return h;
    }
}
