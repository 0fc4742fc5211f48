using System.Collections;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace StormSharp.Topology.Internal;

/// <summary>
/// Writes and reads the instance fields of an object graph as JSON, like Java serialization does for a Storm
/// component: every instance field, private ones too, except those marked [NonSerialized]. Values are limited to
/// what can be rebuilt faithfully in another process (primitives, strings, enums, times, byte arrays, arrays,
/// List, HashSet, Dictionary, and user classes and structs made of those); anything else is refused with the
/// path of the field, so a component that could not reach a worker fails at submit rather than in the worker.
/// </summary>
internal static class ObjectState
{
    private const string TypeKey = "$type";
    private const string ValueKey = "$value";

    public static string TypeNameOf(Type type) =>
        type.AssemblyQualifiedName ?? throw new NotSupportedException($"type {type} has no assembly-qualified name");

    public static string Write(object value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteObjectFields(writer, value, value.GetType(), value.GetType().Name, new HashSet<object>(ReferenceEqualityComparer.Instance));
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static object Read(string typeName, string state, Func<string, Type?> resolveType)
    {
        var type = Resolve(typeName, resolveType);
        using var doc = JsonDocument.Parse(state);
        return ReadObjectFields(doc.RootElement, type, resolveType, type.Name);
    }

    private static Type Resolve(string typeName, Func<string, Type?> resolveType) =>
        resolveType(typeName) ?? throw new InvalidOperationException($"type '{typeName}' cannot be found in the topology's assemblies");

    private static List<FieldInfo> FieldsOf(Type type)
    {
        var fields = new List<FieldInfo>();
        for (var t = type; t is not null && t != typeof(object) && t != typeof(ValueType); t = t.BaseType)
        {
            foreach (var f in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                // [NonSerialized] is the marker users know for "do not ship" (Java's transient); only its flag is read here.
#pragma warning disable SYSLIB0050
                if ((f.Attributes & FieldAttributes.NotSerialized) == 0)
#pragma warning restore SYSLIB0050
                {
                    fields.Add(f);
                }
            }
        }

        return fields;
    }

    /// <summary>The name a user wrote: an auto-property's backing field "&lt;Name&gt;k__BackingField" shows as "Name".</summary>
    private static string DisplayName(FieldInfo field)
    {
        var n = field.Name;
        return n.StartsWith('<') && n.IndexOf('>', StringComparison.Ordinal) is var end and > 1 ? n[1..end] : n;
    }

    private static string KeyOf(FieldInfo field, Type owner) =>
        field.DeclaringType == owner ? field.Name : field.DeclaringType!.Name + "." + field.Name;

    private static void WriteObjectFields(Utf8JsonWriter writer, object value, Type type, string path, HashSet<object> visiting)
    {
        if (!type.IsValueType && !visiting.Add(value))
        {
            throw new NotSupportedException($"{path} refers back to an object that contains it (a cycle)");
        }

        writer.WriteStartObject();
        foreach (var field in FieldsOf(type))
        {
            writer.WritePropertyName(KeyOf(field, type));
            WriteValue(writer, field.GetValue(value), field.FieldType, path + "." + DisplayName(field), visiting);
        }

        writer.WriteEndObject();
        if (!type.IsValueType)
        {
            visiting.Remove(value);
        }
    }

    private static void WriteValue(Utf8JsonWriter writer, object? value, Type declared, string path, HashSet<object> visiting)
    {
        if (value is null)
        {
            writer.WriteNullValue();
            return;
        }

        var actual = value.GetType();
        var declaredUnderlying = Nullable.GetUnderlyingType(declared) ?? declared;
        if (actual != declaredUnderlying)
        {
            writer.WriteStartObject();
            writer.WriteString(TypeKey, TypeNameOf(actual));
            writer.WritePropertyName(ValueKey);
            WriteExact(writer, value, actual, path, visiting);
            writer.WriteEndObject();
            return;
        }

        WriteExact(writer, value, actual, path, visiting);
    }

    private static void WriteExact(Utf8JsonWriter writer, object value, Type type, string path, HashSet<object> visiting)
    {
        switch (value)
        {
            case string s: writer.WriteStringValue(s); return;
            case bool b: writer.WriteBooleanValue(b); return;
            case byte[] bytes: writer.WriteBase64StringValue(bytes); return;
            case char c: writer.WriteStringValue(c.ToString()); return;
            case DateTime dt: writer.WriteStringValue(dt.ToString("O")); return;
            case DateTimeOffset dto: writer.WriteStringValue(dto.ToString("O")); return;
            case TimeSpan ts: writer.WriteNumberValue(ts.Ticks); return;
            case Guid g: writer.WriteStringValue(g.ToString()); return;
            case decimal m: writer.WriteNumberValue(m); return;
            case double d: WriteDouble(writer, d); return;
            case float f: WriteDouble(writer, f); return;
            case Fields fields:
                writer.WriteStartArray();
                foreach (var n in fields)
                {
                    writer.WriteStringValue(n);
                }

                writer.WriteEndArray();
                return;
        }

        if (type.IsEnum)
        {
            writer.WriteStringValue(value.ToString());
            return;
        }

        if (type.IsPrimitive)
        {
            if (value is ulong ul)
            {
                writer.WriteNumberValue(ul);
            }
            else
            {
                writer.WriteNumberValue(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
            }

            return;
        }

        if (type.IsArray)
        {
            if (type.GetArrayRank() != 1)
            {
                throw new NotSupportedException($"{path} is a multi-dimensional array ({type}); use a jagged array");
            }

            var element = type.GetElementType()!;
            writer.WriteStartArray();
            var i = 0;
            foreach (var item in (Array)value)
            {
                WriteValue(writer, item, element, path + "[" + i++ + "]", visiting);
            }

            writer.WriteEndArray();
            return;
        }

        if (TryCollection(type, out var kind, out var arg0, out var arg1))
        {
            if (kind == CollectionKind.Dictionary)
            {
                writer.WriteStartArray();
                foreach (DictionaryEntry entry in (IDictionary)value)
                {
                    writer.WriteStartArray();
                    WriteValue(writer, entry.Key, arg0, path + ".key", visiting);
                    WriteValue(writer, entry.Value, arg1!, path + "[" + entry.Key + "]", visiting);
                    writer.WriteEndArray();
                }

                writer.WriteEndArray();
                return;
            }

            writer.WriteStartArray();
            var i = 0;
            foreach (var item in (IEnumerable)value)
            {
                WriteValue(writer, item, arg0, path + "[" + i++ + "]", visiting);
            }

            writer.WriteEndArray();
            return;
        }

        var refusal = Refusal(type);
        if (refusal is not null)
        {
            throw new NotSupportedException(
                $"field {path} holds a {Describe(type)}, which {refusal}; mark the field [NonSerialized] and create its value in Open or Prepare");
        }

        WriteObjectFields(writer, value, type, path, visiting);
    }

    private static void WriteDouble(Utf8JsonWriter writer, double d)
    {
        if (double.IsFinite(d))
        {
            writer.WriteNumberValue(d);
        }
        else
        {
            writer.WriteStringValue(d.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private static string? Refusal(Type type)
    {
        if (typeof(Delegate).IsAssignableFrom(type))
        {
            return "is a delegate and cannot travel to another process";
        }

        if (type.IsPointer || type == typeof(IntPtr) || type == typeof(UIntPtr) || type.IsByRefLike)
        {
            return "is a pointer or handle";
        }

        var ns = type.Namespace ?? string.Empty;
        if (ns == "System" || ns.StartsWith("System.", StringComparison.Ordinal) || ns.StartsWith("Microsoft.", StringComparison.Ordinal))
        {
            return "is not one of the framework types a component may hold (primitives, string, enums, DateTime, DateTimeOffset, TimeSpan, Guid, byte[], arrays, List, HashSet, Dictionary)";
        }

        return null;
    }

    private static string Describe(Type type) => type.IsGenericType ? type.Name + "<" + string.Join(",", type.GetGenericArguments().Select(a => a.Name)) + ">" : type.FullName ?? type.Name;

    private enum CollectionKind
    {
        List,
        Set,
        Dictionary,
    }

    private static bool TryCollection(Type type, out CollectionKind kind, out Type arg0, out Type? arg1)
    {
        for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            if (!t.IsGenericType)
            {
                continue;
            }

            var def = t.GetGenericTypeDefinition();
            var args = t.GetGenericArguments();
            if (def == typeof(List<>))
            {
                (kind, arg0, arg1) = (CollectionKind.List, args[0], null);
                return true;
            }

            if (def == typeof(HashSet<>))
            {
                (kind, arg0, arg1) = (CollectionKind.Set, args[0], null);
                return true;
            }

            if (def == typeof(Dictionary<,>))
            {
                (kind, arg0, arg1) = (CollectionKind.Dictionary, args[0], args[1]);
                return true;
            }
        }

        (kind, arg0, arg1) = (CollectionKind.List, typeof(object), null);
        return false;
    }

    private static object ReadObjectFields(JsonElement element, Type type, Func<string, Type?> resolveType, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidOperationException($"{path}: expected the fields of {type} as an object, found {element.ValueKind}");
        }

        var instance = RuntimeHelpers.GetUninitializedObject(type);
        foreach (var field in FieldsOf(type))
        {
            if (element.TryGetProperty(KeyOf(field, type), out var v))
            {
                field.SetValue(instance, ReadValue(v, field.FieldType, resolveType, path + "." + field.Name));
            }
        }

        return instance;
    }

    private static object? ReadValue(JsonElement e, Type declared, Func<string, Type?> resolveType, string path)
    {
        if (e.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var type = Nullable.GetUnderlyingType(declared) ?? declared;
        if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty(TypeKey, out var typeName) && e.TryGetProperty(ValueKey, out var inner))
        {
            return ReadExact(inner, Resolve(typeName.GetString()!, resolveType), resolveType, path);
        }

        return ReadExact(e, type, resolveType, path);
    }

    private static object? ReadExact(JsonElement e, Type type, Func<string, Type?> resolveType, string path)
    {
        if (type == typeof(string)) return e.GetString();
        if (type == typeof(bool)) return e.GetBoolean();
        if (type == typeof(byte[])) return e.GetBytesFromBase64();
        if (type == typeof(char)) return e.GetString()![0];
        if (type == typeof(DateTime)) return DateTime.Parse(e.GetString()!, null, System.Globalization.DateTimeStyles.RoundtripKind);
        if (type == typeof(DateTimeOffset)) return DateTimeOffset.Parse(e.GetString()!, null, System.Globalization.DateTimeStyles.RoundtripKind);
        if (type == typeof(TimeSpan)) return new TimeSpan(e.GetInt64());
        if (type == typeof(Guid)) return Guid.Parse(e.GetString()!);
        if (type == typeof(decimal)) return e.GetDecimal();
        if (type == typeof(double)) return e.ValueKind == JsonValueKind.String ? double.Parse(e.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : e.GetDouble();
        if (type == typeof(float)) return e.ValueKind == JsonValueKind.String ? float.Parse(e.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : (float)e.GetDouble();
        if (type == typeof(Fields)) return new Fields(e.EnumerateArray().Select(x => x.GetString()!));
        if (type.IsEnum) return Enum.Parse(type, e.GetString()!);
        if (type == typeof(ulong)) return e.GetUInt64();
        if (type.IsPrimitive) return Convert.ChangeType(e.GetInt64(), type, System.Globalization.CultureInfo.InvariantCulture);

        if (type.IsArray)
        {
            var elementType = type.GetElementType()!;
            var items = e.EnumerateArray().ToList();
            var array = Array.CreateInstance(elementType, items.Count);
            for (var i = 0; i < items.Count; i++)
            {
                array.SetValue(ReadValue(items[i], elementType, resolveType, path + "[" + i + "]"), i);
            }

            return array;
        }

        if (TryCollection(type, out var kind, out var arg0, out var arg1))
        {
            var collection = Activator.CreateInstance(type)!;
            if (kind == CollectionKind.Dictionary)
            {
                var dict = (IDictionary)collection;
                foreach (var pair in e.EnumerateArray())
                {
                    var key = ReadValue(pair[0], arg0, resolveType, path + ".key")!;
                    dict[key] = ReadValue(pair[1], arg1!, resolveType, path + "[" + key + "]");
                }

                return collection;
            }

            var add = type.GetMethod("Add", [arg0])!;
            var i = 0;
            foreach (var item in e.EnumerateArray())
            {
                add.Invoke(collection, [ReadValue(item, arg0, resolveType, path + "[" + i++ + "]")]);
            }

            return collection;
        }

        return ReadObjectFields(e, type, resolveType, path);
    }
}
