using System.Globalization;
using StormSharp.Runtime.Routing;
using StormSharp.Runtime.Serialization;
using StormSharp.Runtime.Tests.Serialization;
using StormSharp.Topology;

namespace StormSharp.Runtime.Tests;

/// <summary>
/// The entry point of the test assembly run as a program: with <see cref="Argument"/> it prints the stable hash of
/// every sample value, one "name=hash" line each, so a test can compare them with its own process's.
/// </summary>
public static class HashProbe
{
    public const string Argument = "--print-stable-hashes";

    public static int Main(string[] args)
    {
        if (args is not [Argument])
        {
            Console.Error.WriteLine($"usage: {Argument}");
            return 2;
        }

        foreach (var line in Lines())
        {
            Console.Out.Write(line + "\n");
        }

        return 0;
    }

    public static List<string> Lines()
    {
        var registry = TupleValueSerializerFactory.Create(new Config().RegisterSerialization(typeof(Money), typeof(MoneySerializer)), n => Type.GetType(n));
        var lines = new List<string>();
        foreach (var (name, value) in Samples())
        {
            lines.Add(name + "=" + StableHash.Value(value, registry).ToString(CultureInfo.InvariantCulture));
        }

        return lines;
    }

    /// <summary>One value of each type a fields grouping can hash; maps are built in an order that varies per process.</summary>
    public static List<(string Name, object? Value)> Samples()
    {
        // Insertion order from the process's string hash seed: equal maps must hash alike whatever their order.
        var keys = new[] { "alpha", "beta", "gamma", "delta" }.OrderBy(k => k.GetHashCode()).ToArray();
        var stringMap = new Dictionary<string, object?>();
        var objectMap = new Dictionary<object, object?>();
        var sorted = new SortedDictionary<string, object?>();
        foreach (var k in keys)
        {
            stringMap[k] = k.Length;
            objectMap[k] = (long)k.Length;
            sorted[k] = k;
        }

        return
        [
            ("null", null), ("string", "apple"), ("int", -42), ("long", 1L << 40), ("bool", true), ("short", (short)-7), ("byte", (byte)200),
            ("char", 'é'), ("uint", 7u), ("ulong", ulong.MaxValue), ("sbyte", (sbyte)-3), ("ushort", (ushort)65000), ("double", 3.25), ("float", -1.5f),
            ("bytes", new byte[] { 1, 2, 3 }), ("guid", Guid.Parse("6f9619ff-8b86-d011-b42d-00c04fc964ff")),
            ("datetime", new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc)), ("datetimeoffset", new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.FromHours(2))),
            ("timespan", TimeSpan.FromMilliseconds(1234)), ("decimal", 12.50m), ("enum", DayOfWeek.Friday), ("list", new List<object?> { "a", 1, null }),
            ("array", new[] { 1, 2, 3 }), ("stringmap", stringMap), ("objectmap", objectMap), ("sortedmap", sorted), ("money", new Money("EUR", 150)),
        ];
    }
}
