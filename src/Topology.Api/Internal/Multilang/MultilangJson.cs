using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Text.Json;

namespace StormSharp.Topology.Internal.Multilang;

/// <summary>
/// The JSON forms tuple values take on their way to and from a multilang subprocess (Storm's <c>JsonSerializer</c>).
/// </summary>
/// <remarks>
/// Out: null, strings, booleans and numbers as themselves (int, long, short, byte, double, float, decimal); char, Guid
/// and DateTime (ISO 8601, round-trip form) as strings; byte arrays as base64 strings; lists and arrays as JSON arrays;
/// maps as objects (keys as strings); a registered user type as its <c>ToString()</c>. In: integral numbers as long,
/// other numbers as double, arrays as <c>List&lt;object?&gt;</c>, objects as <c>Dictionary&lt;string, object?&gt;</c>.
/// </remarks>
internal static class MultilangJson
{
    public static void WriteValue(Utf8JsonWriter w, object? value, int depth = 0)
    {
        if (depth > 64)
        {
            throw new InvalidOperationException("a tuple value nests more than 64 levels deep");
        }

        switch (value)
        {
            case null:
                w.WriteNullValue();
                break;
            case string s:
                w.WriteStringValue(s);
                break;
            case bool b:
                w.WriteBooleanValue(b);
                break;
            case int i:
                w.WriteNumberValue(i);
                break;
            case long l:
                w.WriteNumberValue(l);
                break;
            case short s16:
                w.WriteNumberValue(s16);
                break;
            case byte b8:
                w.WriteNumberValue(b8);
                break;
            case double d:
                WriteDouble(w, d);
                break;
            case float f:
                WriteDouble(w, f);
                break;
            case decimal m:
                w.WriteNumberValue(m);
                break;
            case char c:
                w.WriteStringValue(c.ToString());
                break;
            case Guid g:
                w.WriteStringValue(g);
                break;
            case DateTime dt:
                w.WriteStringValue(dt.ToString("O", CultureInfo.InvariantCulture));
                break;
            case DateTimeOffset dto:
                w.WriteStringValue(dto.ToString("O", CultureInfo.InvariantCulture));
                break;
            case byte[] bytes:
                w.WriteBase64StringValue(bytes);
                break;
            case IDictionary map:
                w.WriteStartObject();
                foreach (DictionaryEntry e in map)
                {
                    w.WritePropertyName(Convert.ToString(e.Key, CultureInfo.InvariantCulture) ?? "");
                    WriteValue(w, e.Value, depth + 1);
                }

                w.WriteEndObject();
                break;
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                w.WriteStartObject();
                foreach (var (k, v) in pairs)
                {
                    w.WritePropertyName(k);
                    WriteValue(w, v, depth + 1);
                }

                w.WriteEndObject();
                break;
            case IEnumerable list:
                w.WriteStartArray();
                foreach (var item in list)
                {
                    WriteValue(w, item, depth + 1);
                }

                w.WriteEndArray();
                break;
            case Enum e:
                w.WriteStringValue(e.ToString());
                break;
            case TimeSpan t:
                w.WriteStringValue(t.ToString("c", CultureInfo.InvariantCulture));
                break;
            default:
                w.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    private static void WriteDouble(Utf8JsonWriter w, double d)
    {
        // JSON has no NaN or infinities; Python's json module reads these names, as Storm's serializer writes them.
        if (double.IsFinite(d))
        {
            w.WriteNumberValue(d);
        }
        else
        {
            w.WriteRawValue(double.IsNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity", skipInputValidation: true);
        }
    }

    /// <summary>The .NET value of a JSON element: long or double, string, bool, null, List or Dictionary.</summary>
    public static object? ToValue(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.String => e.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number => e.TryGetInt64(out var l) ? (object)l : e.GetDouble(),
        JsonValueKind.Array => ToList(e),
        JsonValueKind.Object => ToMap(e),
        _ => throw new JsonException($"unexpected JSON {e.ValueKind}"),
    };

    public static List<object?> ToList(JsonElement e)
    {
        var list = new List<object?>(e.GetArrayLength());
        foreach (var item in e.EnumerateArray())
        {
            list.Add(ToValue(item));
        }

        return list;
    }

    private static Dictionary<string, object?> ToMap(JsonElement e)
    {
        var map = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var p in e.EnumerateObject())
        {
            map[p.Name] = ToValue(p.Value);
        }

        return map;
    }

    /// <summary>Writes one message as its JSON text followed by Storm's <c>end</c> line into <paramref name="buffer"/>.</summary>
    public static void Frame(ArrayBufferWriter<byte> buffer, Utf8JsonWriter writer, Action<Utf8JsonWriter> body)
    {
        writer.Reset(buffer);
        body(writer);
        writer.Flush();
        buffer.Write("\nend\n"u8);
    }
}
