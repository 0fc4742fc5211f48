using System.Globalization;
using System.Text.Json;
using StormSharp.Topology;

namespace StormSharp.Runtime.Serialization;

/// <summary>
/// A submitted topology as it travels from <c>storm jar</c> to Nimbus and from Nimbus to workers: the graph
/// (components with their shipped state, inputs, outputs, parallelism, component config) and the topology's config,
/// as one JSON document. JSON because it is read by daemons that never load the user's code and by people
/// debugging a submit; the components' own state stays the opaque string <see cref="SerializedObject"/> holds.
/// Config values keep their YAML types: null, bool, int, long, double, string, lists and maps of those.
/// </summary>
internal static class TopologyDocument
{
    public const int FormatVersion = 1;

    public static byte[] Write(StormTopology topology, IReadOnlyDictionary<string, object?> config)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("format", FormatVersion);
            w.WritePropertyName("config");
            WriteValue(w, config, "config");
            w.WriteStartArray("components");
            foreach (var c in topology.Components)
            {
                w.WriteStartObject();
                w.WriteString("id", c.Id);
                w.WriteBoolean("spout", c.IsSpout);
                w.WriteString("type", c.Component.TypeName);
                w.WriteString("state", c.Component.State);
                w.WriteNumber("parallelism", c.Parallelism);
                w.WriteNumber("tasks", c.NumTasks);
                w.WritePropertyName("config");
                WriteValue(w, c.Config, $"component '{c.Id}' config");
                w.WriteStartArray("inputs");
                foreach (var i in c.Inputs)
                {
                    w.WriteStartObject();
                    w.WriteString("component", i.Stream.ComponentId);
                    w.WriteString("stream", i.Stream.StreamId);
                    w.WriteString("grouping", i.Grouping.Type.ToString());
                    if (i.Grouping.Fields is { } fields)
                    {
                        WriteStrings(w, "fields", fields);
                    }

                    if (i.Grouping.Custom is { } custom)
                    {
                        w.WriteString("customType", custom.TypeName);
                        w.WriteString("customState", custom.State);
                    }

                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteStartArray("outputs");
                foreach (var o in c.Outputs.Values)
                {
                    w.WriteStartObject();
                    w.WriteString("stream", o.StreamId);
                    WriteStrings(w, "fields", o.Fields);
                    w.WriteBoolean("direct", o.Direct);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Reads a document back; throws <see cref="InvalidDataException"/> naming what is wrong with it.</summary>
    public static (StormTopology Topology, Dictionary<string, object?> Config) Read(ReadOnlySpan<byte> document)
    {
        try
        {
            using var doc = JsonDocument.Parse(document.ToArray());
            var root = doc.RootElement;
            var format = root.GetProperty("format").GetInt32();
            if (format != FormatVersion)
            {
                throw new InvalidDataException($"the topology document is in format {format}; this StormSharp reads format {FormatVersion}");
            }

            var config = (Dictionary<string, object?>)ReadValue(root.GetProperty("config"))!;
            var components = new List<ComponentDeclaration>();
            foreach (var c in root.GetProperty("components").EnumerateArray())
            {
                var inputs = new List<InputDeclaration>();
                foreach (var i in c.GetProperty("inputs").EnumerateArray())
                {
                    var type = Enum.Parse<GroupingType>(i.GetProperty("grouping").GetString()!);
                    var fields = i.TryGetProperty("fields", out var f) ? new Fields(f.EnumerateArray().Select(x => x.GetString()!)) : null;
                    var custom = i.TryGetProperty("customType", out var ct) ? new SerializedObject(ct.GetString()!, i.GetProperty("customState").GetString()!) : null;
                    inputs.Add(new InputDeclaration(new GlobalStreamId(i.GetProperty("component").GetString()!, i.GetProperty("stream").GetString()!), new Grouping(type, fields, custom)));
                }

                var outputs = new Dictionary<string, StreamDeclaration>(StringComparer.Ordinal);
                foreach (var o in c.GetProperty("outputs").EnumerateArray())
                {
                    var stream = o.GetProperty("stream").GetString()!;
                    outputs[stream] = new StreamDeclaration(stream, new Fields(o.GetProperty("fields").EnumerateArray().Select(x => x.GetString()!)), o.GetProperty("direct").GetBoolean());
                }

                components.Add(new ComponentDeclaration(
                    c.GetProperty("id").GetString()!,
                    c.GetProperty("spout").GetBoolean(),
                    new SerializedObject(c.GetProperty("type").GetString()!, c.GetProperty("state").GetString()!),
                    c.GetProperty("parallelism").GetInt32(),
                    c.GetProperty("tasks").GetInt32(),
                    (Dictionary<string, object?>)ReadValue(c.GetProperty("config"))!,
                    inputs,
                    outputs));
            }

            return (new StormTopology(components), config);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException or InvalidCastException)
        {
            throw new InvalidDataException($"the topology document is malformed: {e.Message}", e);
        }
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }

        w.WriteEndArray();
    }

    private static void WriteValue(Utf8JsonWriter w, object? value, string path)
    {
        switch (value)
        {
            case null: w.WriteNullValue(); break;
            case string s: w.WriteStringValue(s); break;
            case bool b: w.WriteBooleanValue(b); break;
            case int i: w.WriteNumberValue(i); break;
            case long l: w.WriteNumberValue(l); break;
            case short or byte or sbyte or ushort or uint: w.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture)); break;
            case double d: WriteDouble(w, d); break;
            case float f: WriteDouble(w, f); break;
            case decimal m: WriteDouble(w, (double)m); break;
            case System.Collections.IDictionary map:
                w.WriteStartObject();
                foreach (System.Collections.DictionaryEntry kv in map)
                {
                    w.WritePropertyName(kv.Key as string ?? throw new NotSupportedException($"{path}: map keys must be strings, not {kv.Key.GetType().Name}"));
                    WriteValue(w, kv.Value, path + "." + kv.Key);
                }

                w.WriteEndObject();
                break;
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                w.WriteStartObject();
                foreach (var kv in pairs)
                {
                    w.WritePropertyName(kv.Key);
                    WriteValue(w, kv.Value, path + "." + kv.Key);
                }

                w.WriteEndObject();
                break;
            case System.Collections.IEnumerable items:
                w.WriteStartArray();
                foreach (var item in items)
                {
                    WriteValue(w, item, path + "[]");
                }

                w.WriteEndArray();
                break;
            default:
                throw new NotSupportedException(
                    $"{path}: a value of type {value.GetType().FullName} cannot travel with the topology; config values are null, bool, numbers, strings, lists and maps of those");
        }
    }

    // A double that happens to be whole must come back as a double, not an int: mark it with a fraction.
    private static void WriteDouble(Utf8JsonWriter w, double d)
    {
        if (double.IsFinite(d) && Math.Floor(d) == d && Math.Abs(d) < 1e15)
        {
            w.WriteRawValue(d.ToString("0.0", CultureInfo.InvariantCulture));
            return;
        }

        if (!double.IsFinite(d))
        {
            throw new NotSupportedException($"config value {d} is not a finite number");
        }

        w.WriteNumberValue(d);
    }

    private static object? ReadValue(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number when e.TryGetInt32(out var i) && !e.GetRawText().Contains('.') => i,
        JsonValueKind.Number when e.TryGetInt64(out var l) && !e.GetRawText().Contains('.') => l,
        JsonValueKind.Number => e.GetDouble(),
        JsonValueKind.Array => e.EnumerateArray().Select(ReadValue).ToList(),
        JsonValueKind.Object => e.EnumerateObject().ToDictionary(p => p.Name, p => ReadValue(p.Value), StringComparer.Ordinal),
        _ => throw new InvalidDataException($"unexpected JSON value {e.ValueKind}"),
    };
}
