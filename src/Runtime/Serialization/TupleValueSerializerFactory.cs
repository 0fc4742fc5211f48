using System.Collections;
using StormSharp.Topology;

namespace StormSharp.Runtime.Serialization;

/// <summary>
/// Builds a topology's <see cref="TupleValueSerializerRegistry"/> from <see cref="Config.TopologySerializationRegister"/>,
/// as Storm's SerializationFactory builds Kryo from <c>topology.kryo.register</c>. Type ids are the registered types'
/// positions in the ordinal order of their names, so they depend only on the configuration and every worker of the
/// topology gives a type the same id whatever order the registrations were made in.
/// </summary>
internal static class TupleValueSerializerFactory
{
    /// <summary>
    /// The registry for <paramref name="conf"/>; <paramref name="resolveType"/> maps a name to a type of the topology's
    /// assemblies (null when unknown). Throws <see cref="ArgumentException"/> naming the key and every bad entry.
    /// </summary>
    public static TupleValueSerializerRegistry Create(IReadOnlyDictionary<string, object?> conf, Func<string, Type?> resolveType)
    {
        if (!conf.TryGetValue(Config.TopologySerializationRegister, out var raw) || raw is null)
        {
            return TupleValueSerializerRegistry.Empty;
        }

        var problems = new List<string>();
        var entries = new List<(string Type, string Serializer)>();
        if (raw is string or not IEnumerable)
        {
            throw Refuse([$"must be a list of maps from a type name to its serializer's type name, not {Describe(raw)}"]);
        }

        foreach (var entry in (IEnumerable)raw)
        {
            if (!TryPairs(entry, out var pairs))
            {
                problems.Add($"entry {Describe(entry)} must be a map from a type name to its serializer's type name (StormSharp has no default serializer to fall back on)");
                continue;
            }

            entries.AddRange(pairs);
        }

        var registry = new TupleValueSerializerRegistry();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var nextId = 0;
        foreach (var (typeName, serializerName) in entries.OrderBy(e => e.Type, StringComparer.Ordinal))
        {
            var id = nextId++;
            if (!seen.Add(typeName))
            {
                problems.Add($"type '{typeName}' is registered more than once");
                continue;
            }

            var problem = TryBuild(typeName, serializerName, id, resolveType, out var serializer);
            if (problem is not null)
            {
                problems.Add(problem);
                continue;
            }

            try
            {
                registry.Register(serializer!);
            }
            catch (ArgumentException e)
            {
                problems.Add(e.Message);
            }
        }

        return problems.Count == 0 ? registry : throw Refuse(problems);
    }

    private static string? TryBuild(string typeName, string serializerName, int id, Func<string, Type?> resolveType, out ITupleValueSerializer? serializer)
    {
        serializer = null;
        var type = resolveType(typeName);
        if (type is null)
        {
            return $"type '{typeName}' cannot be found in the topology's assemblies";
        }

        var serializerType = resolveType(serializerName);
        if (serializerType is null)
        {
            return $"the serializer '{serializerName}' of {type.FullName} cannot be found in the topology's assemblies";
        }

        if (type.IsGenericTypeDefinition || type.IsAbstract || type.IsInterface || Nullable.GetUnderlyingType(type) is not null)
        {
            return $"{type.FullName} is not a concrete type; values are matched by their exact runtime type";
        }

        var contract = typeof(ITupleValueSerializer<>).MakeGenericType(type);
        if (!contract.IsAssignableFrom(serializerType))
        {
            return $"the serializer {serializerType.FullName} of {type.FullName} does not implement ITupleValueSerializer<{type.Name}>";
        }

        if (serializerType.IsAbstract || serializerType.GetConstructor(Type.EmptyTypes) is null)
        {
            return $"the serializer {serializerType.FullName} of {type.FullName} has no public parameterless constructor";
        }

        object user;
        try
        {
            user = Activator.CreateInstance(serializerType)!;
        }
        catch (System.Reflection.TargetInvocationException e)
        {
            return $"the constructor of the serializer {serializerType.FullName} of {type.FullName} failed: {e.InnerException?.Message ?? e.Message}";
        }

        serializer = (ITupleValueSerializer)Activator.CreateInstance(typeof(RegisteredSerializer<>).MakeGenericType(type), user, id)!;
        return null;
    }

    /// <summary>A map entry's pairs, accepting the shapes a map takes in code, in YAML and after a JSON round trip.</summary>
    private static bool TryPairs(object? entry, out List<(string Type, string Serializer)> pairs)
    {
        pairs = [];
        switch (entry)
        {
            case IDictionary map:
                foreach (DictionaryEntry e in map)
                {
                    if (e.Key is not string t || e.Value is not string s)
                    {
                        return false;
                    }

                    pairs.Add((t, s));
                }

                return pairs.Count > 0;
            case IEnumerable<KeyValuePair<string, object?>> map:
                foreach (var (t, v) in map)
                {
                    if (v is not string s)
                    {
                        return false;
                    }

                    pairs.Add((t, s));
                }

                return pairs.Count > 0;
            default:
                return false;
        }
    }

    private static string Describe(object? value) => value switch
    {
        null => "null",
        string s => $"'{s}'",
        _ => value.GetType().Name,
    };

    private static ArgumentException Refuse(IReadOnlyList<string> problems) =>
        new($"configuration '{Config.TopologySerializationRegister}': {string.Join("; ", problems)}");
}
