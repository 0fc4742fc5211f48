using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StormSharp.Runtime.Routing;

/// <summary>
/// Hashes of tuple values that are the same in every process and every run (string.GetHashCode is randomised per
/// process), so a fields grouping sends a key to the same task across workers and restarts. Stable for primitives,
/// strings, byte arrays, Guids, DateTimes and lists of those; other types fall back to their GetHashCode.
/// </summary>
internal static class StableHash
{
    private const uint Seed = 0x9747b28c;

    public static int Of(IReadOnlyList<object?> values, int[] indexes, uint seed = Seed)
    {
        var h = seed;
        for (var i = 0; i < indexes.Length; i++)
        {
            h = Mix(h, Value(values[indexes[i]]));
        }

        return (int)Finish(h);
    }

    public static uint Value(object? value)
    {
        switch (value)
        {
            case null: return 0;
            case string s: return String(s);
            case int i: return (uint)i;
            case long l: return (uint)l ^ (uint)(l >> 32);
            case bool b: return b ? 1231u : 1237u;
            case short sh: return (uint)sh;
            case byte by: return by;
            case char c: return c;
            case uint ui: return ui;
            case ulong ul: return (uint)ul ^ (uint)(ul >> 32);
            case double d: return Value(BitConverter.DoubleToInt64Bits(d));
            case float f: return (uint)BitConverter.SingleToInt32Bits(f);
            case byte[] bytes: return Bytes(bytes);
            case Guid g: return Guid(g);
            case DateTime dt: return Value(dt.Ticks);
            case IReadOnlyList<object?> list: return List(list);
            case System.Collections.IList list: return List(list);
            case System.Collections.IEnumerable items:
                var h = Seed;
                foreach (var item in items)
                {
                    h = Mix(h, Value(item));
                }

                return Finish(h);
            default: return (uint)value.GetHashCode();
        }
    }

    // Indexed loops: a foreach over an interface would allocate an enumerator per hashed key.
    private static uint List(IReadOnlyList<object?> list)
    {
        var h = Seed;
        for (var i = 0; i < list.Count; i++)
        {
            h = Mix(h, Value(list[i]));
        }

        return Finish(h);
    }

    private static uint List(System.Collections.IList list)
    {
        var h = Seed;
        for (var i = 0; i < list.Count; i++)
        {
            h = Mix(h, Value(list[i]));
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
