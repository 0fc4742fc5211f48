using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace StormSharp.Topology.Internal;

/// <summary>
/// Reads back what <see cref="ObjectStateWriter"/> wrote. Every type it instantiates passes the writer's rules
/// (<see cref="ObjectState.KindOf"/>) and is assignable to the field it fills; every type whose fields it sets
/// comes from an assembly the state lists, of the same build.
/// </summary>
internal sealed class ObjectStateReader(Func<string, Type?> resolveType)
{
    private readonly Dictionary<int, object> _objects = [];
    private readonly Dictionary<string, string> _builds = new(StringComparer.Ordinal);

    public object ReadRoot(Type type, string state)
    {
        using var doc = JsonDocument.Parse(state);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(ObjectState.FormatKey, out var format)
            || format.ValueKind != JsonValueKind.Number || format.GetInt32() != ObjectState.FormatVersion)
        {
            throw new InvalidOperationException(
                $"the state of {type.Name} is not in shipping format {ObjectState.FormatVersion}; it was written by another version of StormSharp, so resubmit the topology");
        }

        foreach (var a in root.GetProperty(ObjectState.AssembliesKey).EnumerateObject())
        {
            _builds[a.Name] = a.Value.GetString()!;
        }

        if (ObjectState.KindOf(type, out var refusal) != ObjectState.Kind.Object)
        {
            throw new InvalidOperationException($"{ObjectState.Describe(type)} {refusal ?? "is not a class of fields"}");
        }

        return ReadFields(root.GetProperty(ObjectState.RootKey), type, RuntimeHelpers.GetUninitializedObject(type), null, type.Name);
    }

    private object? ReadValue(JsonElement e, Type declared, string path)
    {
        if (e.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var type = Nullable.GetUnderlyingType(declared) ?? declared;
        if (e.ValueKind != JsonValueKind.Object || !(e.TryGetProperty(ObjectState.ValueKey, out var inner) || e.TryGetProperty(ObjectState.RefKey, out _)))
        {
            return ReadExact(e, type, path);
        }

        if (e.TryGetProperty(ObjectState.RefKey, out var reference))
        {
            if (!_objects.TryGetValue(reference.GetInt32(), out var earlier))
            {
                throw new InvalidOperationException($"{path} refers to object {reference.GetInt32()}, which the state has not defined before");
            }

            return type.IsInstanceOfType(earlier)
                ? earlier
                : throw new InvalidOperationException($"{path} refers to a {ObjectState.Describe(earlier.GetType())}, which is not a {ObjectState.Describe(type)}");
        }

        var actual = type;
        if (e.TryGetProperty(ObjectState.TypeKey, out var typeName))
        {
            var name = typeName.GetString()!;
            actual = resolveType(name) ?? throw new InvalidOperationException($"{path}: type '{name}' cannot be found in the topology's assemblies");
            if (!type.IsAssignableFrom(actual))
            {
                throw new InvalidOperationException($"{path}: the state names type {ObjectState.Describe(actual)}, which cannot be stored in a field of type {ObjectState.Describe(type)}");
            }
        }

        var value = ReadExact(inner, actual, path);
        if (e.TryGetProperty(ObjectState.IdKey, out var id) && value is not null)
        {
            // Registered once complete: the writer refuses cycles, so nothing read before this point can refer to it.
            if (!_objects.TryAdd(id.GetInt32(), value))
            {
                throw new InvalidOperationException($"{path}: object id {id.GetInt32()} is defined twice");
            }
        }

        return value;
    }

    private object? ReadExact(JsonElement e, Type type, string path)
    {
        switch (ObjectState.KindOf(type, out var refusal))
        {
            case ObjectState.Kind.Scalar:
                return ReadScalar(e, type);
            case ObjectState.Kind.Enum:
                return Enum.Parse(type, e.GetString()!);
            case ObjectState.Kind.Array:
                var elementType = type.GetElementType()!;
                var array = Array.CreateInstance(elementType, e.GetArrayLength());
                var i = 0;
                foreach (var item in e.EnumerateArray())
                {
                    array.SetValue(ReadValue(item, elementType, path + "[" + i + "]"), i);
                    i++;
                }

                return array;
            case ObjectState.Kind.Collection:
                return ReadCollection(e, type, CollectionShape.Of(type)!, path);
            case ObjectState.Kind.Object:
                return ReadFields(e, type, RuntimeHelpers.GetUninitializedObject(type), null, path);
            default:
                throw new InvalidOperationException($"{path}: the state holds a {ObjectState.Describe(type)}, which {refusal}; the writer could not have written it");
        }
    }

    private object ReadFields(JsonElement e, Type type, object instance, Type? stopAt, string path)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidOperationException($"{path}: expected the fields of {ObjectState.Describe(type)} as an object, found {e.ValueKind}");
        }

        var fields = ObjectState.FieldsOf(type, stopAt);
        foreach (var assembly in ObjectState.DeclaringAssemblies(fields, type))
        {
            var name = assembly.GetName().Name!;
            var build = ObjectState.BuildOf(assembly);
            if (!_builds.TryGetValue(name, out var written))
            {
                throw new InvalidOperationException($"{path}: the state holds fields of {ObjectState.Describe(type)} from assembly {name}, which it does not list; it was not written for this type");
            }

            if (written != build)
            {
                throw new InvalidOperationException(
                    $"{path}: assembly {name} here is build {build} (version {assembly.GetName().Version}), but the state was written by build {written}; "
                    + "fields are keyed by their compiled names, so every end must run the same build of the topology's package");
            }
        }

        foreach (var field in fields)
        {
            if (e.TryGetProperty(ObjectState.KeyOf(field, type), out var v))
            {
                field.SetValue(instance, ReadValue(v, field.FieldType, path + "." + ObjectState.DisplayName(field)));
            }
        }

        return instance;
    }

    private object ReadCollection(JsonElement e, Type type, CollectionShape shape, string path)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(ObjectState.ItemsKey, out var items) || items.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidOperationException($"{path}: expected the items of {ObjectState.Describe(type)}, found {e.ValueKind}");
        }

        object? comparer = null;
        if (shape.ComparerInterface is { } comparerInterface && e.TryGetProperty(ObjectState.ComparerKey, out var c))
        {
            comparer = KnownComparer.IsKnown(c) ? KnownComparer.Read(c, shape, path) : ReadValue(c, comparerInterface, path + ".Comparer");
        }

        var collection = RuntimeHelpers.GetUninitializedObject(type);
        shape.Construct(collection, comparer);
        if (type != shape.Collection)
        {
            ReadFields(e.TryGetProperty(ObjectState.FieldsKey, out var own) ? own : default, type, collection, shape.Collection, path);
        }

        if (shape.IsDictionary)
        {
            var key = (object?)null;
            var odd = false;
            foreach (var item in items.EnumerateArray())
            {
                if (!odd)
                {
                    key = ReadValue(item, shape.Item, path + ".key") ?? throw new InvalidOperationException($"{path}: a dictionary key is null");
                }
                else
                {
                    shape.Add(collection, key!, ReadValue(item, shape.Value!, path + "[" + key + "]"));
                }

                odd = !odd;
            }

            if (odd)
            {
                throw new InvalidOperationException($"{path}: a dictionary key has no value");
            }

            return collection;
        }

        var i = 0;
        foreach (var item in items.EnumerateArray())
        {
            shape.Add(collection, ReadValue(item, shape.Item, path + "[" + i++ + "]"));
        }

        return collection;
    }

    private static object ReadScalar(JsonElement e, Type type)
    {
        if (type == typeof(string)) return e.GetString()!;
        if (type == typeof(bool)) return e.GetBoolean();
        if (type == typeof(byte[])) return e.GetBytesFromBase64();
        if (type == typeof(char)) return e.GetString()![0];
        if (type == typeof(DateTime)) return DateTime.Parse(e.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
        if (type == typeof(DateTimeOffset)) return DateTimeOffset.Parse(e.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
        if (type == typeof(TimeSpan)) return new TimeSpan(e.GetInt64());
        if (type == typeof(Guid)) return Guid.Parse(e.GetString()!);
        if (type == typeof(decimal)) return e.GetDecimal();
        if (type == typeof(double)) return e.ValueKind == JsonValueKind.String ? double.Parse(e.GetString()!, CultureInfo.InvariantCulture) : e.GetDouble();
        if (type == typeof(float)) return e.ValueKind == JsonValueKind.String ? float.Parse(e.GetString()!, CultureInfo.InvariantCulture) : (float)e.GetDouble();
        if (type == typeof(Fields)) return new Fields(e.EnumerateArray().Select(x => x.GetString()!));
        if (type == typeof(ulong)) return e.GetUInt64();
        return Convert.ChangeType(e.GetInt64(), type, CultureInfo.InvariantCulture);
    }
}
