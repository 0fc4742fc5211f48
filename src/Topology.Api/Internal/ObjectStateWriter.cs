using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace StormSharp.Topology.Internal;

/// <summary>
/// Writes one object graph in the layout <see cref="ObjectState"/> describes. A value whose runtime type differs
/// from its field's is wrapped as {"$type", "$value"}; every object of a reference type (strings aside) carries an
/// "$id", and a second visit writes {"$ref": id} instead of a copy.
/// </summary>
internal sealed class ObjectStateWriter
{
    private readonly System.Buffers.ArrayBufferWriter<byte> _buffer = new();
    private readonly Utf8JsonWriter _writer;
    private readonly Dictionary<object, int> _ids = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<object> _visiting = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, Assembly> _assemblies = new(StringComparer.Ordinal);

    public ObjectStateWriter()
    {
        _writer = new Utf8JsonWriter(_buffer);
    }

    public string WriteRoot(object value)
    {
        var type = value.GetType();
        if (ObjectState.KindOf(type, out var refusal) != ObjectState.Kind.Object)
        {
            throw new NotSupportedException($"{ObjectState.Describe(type)} {refusal ?? "is not a class of fields"}");
        }

        _writer.WriteStartObject();
        _writer.WriteNumber(ObjectState.FormatKey, ObjectState.FormatVersion);
        _writer.WritePropertyName(ObjectState.RootKey);
        _visiting.Add(value);
        WriteFields(value, type, null, type.Name);
        _writer.WritePropertyName(ObjectState.AssembliesKey);
        _writer.WriteStartObject();
        foreach (var (name, assembly) in _assemblies)
        {
            _writer.WriteString(name, ObjectState.BuildOf(assembly));
        }

        _writer.WriteEndObject();
        _writer.WriteEndObject();
        _writer.Flush();
        return Encoding.UTF8.GetString(_buffer.WrittenSpan);
    }

    private void WriteValue(object? value, Type declared, string path)
    {
        if (value is null)
        {
            _writer.WriteNullValue();
            return;
        }

        var actual = value.GetType();
        var tracked = !actual.IsValueType && actual != typeof(string);
        if (tracked && _ids.TryGetValue(value, out var seen))
        {
            if (_visiting.Contains(value))
            {
                throw new NotSupportedException($"{path} refers back to an object that contains it (a cycle)");
            }

            _writer.WriteStartObject();
            _writer.WriteNumber(ObjectState.RefKey, seen);
            _writer.WriteEndObject();
            return;
        }

        if (tracked && _visiting.Contains(value))
        {
            throw new NotSupportedException($"{path} refers back to an object that contains it (a cycle)");
        }

        var wrap = actual != (Nullable.GetUnderlyingType(declared) ?? declared);
        if (tracked || wrap)
        {
            _writer.WriteStartObject();
            if (tracked)
            {
                var id = _ids.Count + 1;
                _ids.Add(value, id);
                _writer.WriteNumber(ObjectState.IdKey, id);
            }

            if (wrap)
            {
                _writer.WriteString(ObjectState.TypeKey, ObjectState.TypeNameOf(actual));
            }

            _writer.WritePropertyName(ObjectState.ValueKey);
        }

        if (tracked)
        {
            _visiting.Add(value);
        }

        WriteExact(value, actual, path);
        if (tracked)
        {
            _visiting.Remove(value);
        }

        if (tracked || wrap)
        {
            _writer.WriteEndObject();
        }
    }

    private void WriteExact(object value, Type type, string path)
    {
        switch (ObjectState.KindOf(type, out var refusal))
        {
            case ObjectState.Kind.Scalar:
                WriteScalar(value);
                return;
            case ObjectState.Kind.Enum:
                _writer.WriteStringValue(value.ToString());
                return;
            case ObjectState.Kind.Array:
                var element = type.GetElementType()!;
                _writer.WriteStartArray();
                var i = 0;
                foreach (var item in (Array)value)
                {
                    WriteValue(item, element, path + "[" + i++ + "]");
                }

                _writer.WriteEndArray();
                return;
            case ObjectState.Kind.Collection:
                WriteCollection(value, type, CollectionShape.Of(type)!, path);
                return;
            case ObjectState.Kind.Object:
                WriteFields(value, type, null, path);
                return;
            default:
                throw new NotSupportedException(
                    $"field {path} holds a {ObjectState.Describe(type)}, which {refusal}; mark the field [NonSerialized] and create its value in Open or Prepare");
        }
    }

    private void WriteFields(object value, Type type, Type? stopAt, string path)
    {
        var fields = ObjectState.FieldsOf(type, stopAt);
        foreach (var assembly in ObjectState.DeclaringAssemblies(fields, type))
        {
            _assemblies.TryAdd(assembly.GetName().Name!, assembly);
        }

        _writer.WriteStartObject();
        foreach (var field in fields)
        {
            _writer.WritePropertyName(ObjectState.KeyOf(field, type));
            WriteValue(field.GetValue(value), field.FieldType, path + "." + ObjectState.DisplayName(field));
        }

        _writer.WriteEndObject();
    }

    private void WriteCollection(object value, Type type, CollectionShape shape, string path)
    {
        _writer.WriteStartObject();
        if (shape.ComparerOf(value) is { } comparer)
        {
            _writer.WritePropertyName(ObjectState.ComparerKey);
            if (!KnownComparer.TryWrite(_writer, comparer, shape))
            {
                var comparerType = comparer.GetType();
                if (ObjectState.KindOf(comparerType, out var refusal) != ObjectState.Kind.Object)
                {
                    throw new NotSupportedException(
                        $"field {path} uses the comparer {ObjectState.Describe(comparerType)}, which {refusal}; use a StringComparer, "
                        + "the default comparer or a comparer class of your own made of plain fields, or mark the field [NonSerialized] and build it in Open or Prepare");
                }

                WriteValue(comparer, typeof(object), path + ".Comparer");
            }
        }

        if (type != shape.Collection)
        {
            // A subclass keeps its own fields; the framework's are rebuilt from the items.
            _writer.WritePropertyName(ObjectState.FieldsKey);
            WriteFields(value, type, shape.Collection, path);
        }

        _writer.WritePropertyName(ObjectState.ItemsKey);
        _writer.WriteStartArray();
        var items = shape.ItemsOf(value);
        if (shape.IsDictionary)
        {
            for (var i = 0; i < items.Count; i += 2)
            {
                WriteValue(items[i], shape.Item, path + ".key");
                WriteValue(items[i + 1], shape.Value!, path + "[" + items[i] + "]");
            }
        }
        else
        {
            for (var i = 0; i < items.Count; i++)
            {
                WriteValue(items[i], shape.Item, path + "[" + i + "]");
            }
        }

        _writer.WriteEndArray();
        _writer.WriteEndObject();
    }

    private void WriteScalar(object value)
    {
        switch (value)
        {
            case string s: _writer.WriteStringValue(s); return;
            case bool b: _writer.WriteBooleanValue(b); return;
            case byte[] bytes: _writer.WriteBase64StringValue(bytes); return;
            case char c: _writer.WriteStringValue(c.ToString()); return;
            case DateTime dt: _writer.WriteStringValue(dt.ToString("O", CultureInfo.InvariantCulture)); return;
            case DateTimeOffset dto: _writer.WriteStringValue(dto.ToString("O", CultureInfo.InvariantCulture)); return;
            case TimeSpan ts: _writer.WriteNumberValue(ts.Ticks); return;
            case Guid g: _writer.WriteStringValue(g.ToString()); return;
            case decimal m: _writer.WriteNumberValue(m); return;
            case double d: WriteDouble(d); return;
            case float f: WriteDouble(f); return;
            case ulong ul: _writer.WriteNumberValue(ul); return;
            case Fields fields:
                _writer.WriteStartArray();
                foreach (var n in fields)
                {
                    _writer.WriteStringValue(n);
                }

                _writer.WriteEndArray();
                return;
            default:
                _writer.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                return;
        }
    }

    private void WriteDouble(double d)
    {
        if (double.IsFinite(d))
        {
            _writer.WriteNumberValue(d);
        }
        else
        {
            _writer.WriteStringValue(d.ToString(CultureInfo.InvariantCulture));
        }
    }
}
