using System.Text.Json.Nodes;

namespace StormSharp.Ui.Tests;

/// <summary>Checks that a JSON object has Storm's field names with Storm's value types.</summary>
internal static class Fields
{
    public const string S = "String";
    public const string N = "Number";
    public const string B = "Boolean";
    public const string A = "Array";
    public const string O = "Object";

    /// <summary>Each (name, kind) must be present with that kind ("String", "Number", "Boolean", "Array", "Object", "Null"; "String|Null" for either).</summary>
    public static void Check(JsonObject obj, string where, params (string Name, string Kind)[] expected)
    {
        foreach (var (name, kind) in expected)
        {
            Assert.True(obj.ContainsKey(name), $"{where} has no field '{name}': {obj.ToJsonString()}");
            var actual = obj[name]?.GetValueKind().ToString() ?? "Null";
            actual = actual is "True" or "False" ? B : actual;
            Assert.True(kind.Split('|').Contains(actual), $"{where}.{name} is {actual}, expected {kind}: {obj[name]?.ToJsonString()}");
        }
    }

    public static JsonObject One(JsonNode? array, Func<JsonObject, bool> which, string what) =>
        (array as JsonArray)?.OfType<JsonObject>().FirstOrDefault(which) ?? throw new Xunit.Sdk.XunitException($"no {what} in {array?.ToJsonString()}");

    public static string Str(JsonNode? node) => node!.GetValue<string>();

    public static long Num(JsonNode? node) => node!.GetValue<long>();

    /// <summary>Storm sends latencies and capacity as strings with three decimals.</summary>
    public static double Fixed3(JsonNode? node)
    {
        var s = Str(node);
        Assert.Matches(@"^\d+\.\d{3}$", s);
        return double.Parse(s, System.Globalization.CultureInfo.InvariantCulture);
    }
}
