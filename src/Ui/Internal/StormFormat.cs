using System.Globalization;
using System.Text.Json.Nodes;
using StormSharp.Runtime.Stats;

namespace StormSharp.Ui.Internal;

/// <summary>How Storm's UI writes values: uptimes as "1d 2h 3m 4s", latencies and capacity as strings with three decimals, windows as "600" or ":all-time".</summary>
internal static class StormFormat
{
    /// <summary>Storm's <c>prettyUptimeSec</c>: the largest unit first, every smaller one after it.</summary>
    public static string Uptime(long seconds)
    {
        seconds = Math.Max(0, seconds);
        long d = seconds / 86400, h = seconds / 3600 % 24, m = seconds / 60 % 60, s = seconds % 60;
        return d > 0 ? $"{d}d {h}h {m}m {s}s" : h > 0 ? $"{h}h {m}m {s}s" : m > 0 ? $"{m}m {s}s" : $"{s}s";
    }

    public static string Fixed3(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);

    /// <summary>Parses <c>window</c> (default all time); refuses anything but Storm's values.</summary>
    public static int Window(string? value) => value switch
    {
        null or "" or ":all-time" or "all-time" => StatsWindows.AllTime,
        "600" => StatsWindows.TenMinutes,
        "10800" => StatsWindows.ThreeHours,
        "86400" => StatsWindows.OneDay,
        _ => throw ApiException.BadRequest($"window must be 600, 10800, 86400 or :all-time, not '{value}'"),
    };

    /// <summary>Parses <c>sys</c>: 1 or true includes system components and streams; default 0.</summary>
    public static bool Sys(string? value) => value switch
    {
        null or "" or "0" or "false" => false,
        "1" or "true" => true,
        _ => throw ApiException.BadRequest($"sys must be 0 or 1, not '{value}'"),
    };

    public static string WindowName(int window) => StatsWindows.Name(window);

    /// <summary>Storm's <c>windowHint</c>/<c>windowPretty</c>: "10m 0s", "3h 0m 0s", "1d 0h 0m 0s", "All time".</summary>
    public static string WindowPretty(int window) => window == StatsWindows.AllTime ? "All time" : Uptime(window);

    public static string ExecutorId(int first, int last) => $"[{first}-{last}]";

    public static bool IsSystemId(string id) => id.StartsWith("__", StringComparison.Ordinal);

    /// <summary>A config value (null, bool, numbers, strings, lists and maps of those) as JSON.</summary>
    public static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        double d => JsonValue.Create(d),
        string s => JsonValue.Create(s),
        IReadOnlyDictionary<string, object?> map => new JsonObject(map.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, ToJson(kv.Value)))),
        IDictionary<string, object?> map => new JsonObject(map.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, ToJson(kv.Value)))),
        System.Collections.IEnumerable list => new JsonArray([.. list.Cast<object?>().Select(ToJson)]),
        _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
    };
}
