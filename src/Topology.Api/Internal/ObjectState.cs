using System.Reflection;

namespace StormSharp.Topology.Internal;

/// <summary>
/// Writes and reads the instance fields of an object graph as JSON, the way Java serialization ships a Storm
/// component: every instance field, private ones too, except those marked [NonSerialized]. Values are limited to
/// what can be rebuilt exactly in another process; anything else is refused at write time with the path of the
/// field, so a component that could not reach a worker fails at submit rather than in the worker.
/// </summary>
/// <remarks>
/// <para>What is kept: primitives, strings, enums, times, Guid, decimal, byte arrays, one-dimensional arrays,
/// List, HashSet, Dictionary, SortedSet, SortedDictionary, SortedList, Queue and Stack (with their comparer and,
/// for subclasses, the subclass's own fields), and user classes and structs made of those. An object reached twice
/// is written once and read back as one object, as Java serialization does; a cycle is refused, because a
/// dictionary or set could not be rebuilt before its own elements.</para>
/// <para>Comparers: EqualityComparer.Default, Comparer.Default, ReferenceEqualityComparer and every StringComparer
/// (ordinal or culture-aware, with its culture and options) travel by name; a comparer of the user's own is shipped
/// as an object like any other, and a framework comparer that is none of these is refused.</para>
/// <para>Fields are keyed by their compiled names (an auto-property's field is "&lt;Name&gt;k__BackingField"), so both
/// ends must run the same build of the assemblies that declare them, as Java requires a matching serialVersionUID.
/// The state lists the module version id (MVID) of each assembly whose fields it holds, and the reader refuses a
/// type whose assembly is not listed or is another build.</para>
/// <para>The reader applies the writer's rules to every type named in the state: a "$type" that is not assignable to
/// its field, or that the writer would have refused, is refused, so a tampered state cannot make a worker
/// instantiate a type the writer could not have written.</para>
/// </remarks>
internal static class ObjectState
{
    /// <summary>Bumped whenever the layout below changes; a state in another format is refused, not guessed at.</summary>
    public const int FormatVersion = 2;

    public const string FormatKey = "format";
    public const string RootKey = "root";
    public const string AssembliesKey = "assemblies";
    public const string IdKey = "$id";
    public const string RefKey = "$ref";
    public const string TypeKey = "$type";
    public const string ValueKey = "$value";
    public const string ItemsKey = "items";
    public const string ComparerKey = "comparer";
    public const string FieldsKey = "fields";

    public enum Kind
    {
        Scalar,
        Enum,
        Array,
        Collection,
        Object,
        Refused,
    }

    public static string TypeNameOf(Type type) =>
        type.AssemblyQualifiedName ?? throw new NotSupportedException($"type {type} has no assembly-qualified name");

    public static string Write(object value) => new ObjectStateWriter().WriteRoot(value);

    public static object Read(string typeName, string state, Func<string, Type?> resolveType)
    {
        var type = resolveType(typeName) ?? throw new InvalidOperationException($"type '{typeName}' cannot be found in the topology's assemblies");
        return new ObjectStateReader(resolveType).ReadRoot(type, state);
    }

    /// <summary>How a value of <paramref name="type"/> is written; <paramref name="refusal"/> says why when it is not.</summary>
    public static Kind KindOf(Type type, out string? refusal)
    {
        refusal = null;
        if (type == typeof(string) || type == typeof(bool) || type == typeof(byte[]) || type == typeof(char) || type == typeof(DateTime)
            || type == typeof(DateTimeOffset) || type == typeof(TimeSpan) || type == typeof(Guid) || type == typeof(decimal)
            || type == typeof(double) || type == typeof(float) || type == typeof(Fields))
        {
            return Kind.Scalar;
        }

        if (type.IsEnum)
        {
            return Kind.Enum;
        }

        if (type.IsPrimitive && type != typeof(IntPtr) && type != typeof(UIntPtr))
        {
            return Kind.Scalar;
        }

        if (type.IsArray)
        {
            if (type.GetArrayRank() != 1)
            {
                refusal = "is a multi-dimensional array; use a jagged array";
                return Kind.Refused;
            }

            return Kind.Array;
        }

        if (CollectionShape.Of(type) is not null)
        {
            return Kind.Collection;
        }

        if (typeof(Delegate).IsAssignableFrom(type))
        {
            refusal = "is a delegate and cannot travel to another process";
            return Kind.Refused;
        }

        if (type.IsPointer || type == typeof(IntPtr) || type == typeof(UIntPtr) || type.IsByRefLike)
        {
            refusal = "is a pointer or handle";
            return Kind.Refused;
        }

        if (type.IsInterface || type.IsAbstract || type.ContainsGenericParameters || type.IsCOMObject)
        {
            refusal = "is not a concrete type";
            return Kind.Refused;
        }

        var ns = type.Namespace ?? string.Empty;
        if (ns == "System" || ns.StartsWith("System.", StringComparison.Ordinal) || ns.StartsWith("Microsoft.", StringComparison.Ordinal))
        {
            refusal = "is not one of the framework types a component may hold (primitives, string, enums, DateTime, DateTimeOffset, "
                + "TimeSpan, Guid, decimal, byte[], arrays, List, HashSet, Dictionary, SortedSet, SortedDictionary, SortedList, Queue, Stack)";
            return Kind.Refused;
        }

        return Kind.Object;
    }

    public static string Describe(Type type) =>
        type.IsGenericType ? type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)] + "<" + string.Join(",", type.GetGenericArguments().Select(Describe)) + ">" : type.FullName ?? type.Name;

    /// <summary>The serialized fields of <paramref name="type"/>, walking base types up to (not including) <paramref name="stopAt"/>.</summary>
    public static List<FieldInfo> FieldsOf(Type type, Type? stopAt = null)
    {
        var fields = new List<FieldInfo>();
        for (var t = type; t is not null && t != stopAt && t != typeof(object) && t != typeof(ValueType); t = t.BaseType)
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
    public static string DisplayName(FieldInfo field)
    {
        var n = field.Name;
        return n.StartsWith('<') && n.IndexOf('>', StringComparison.Ordinal) is var end and > 1 ? n[1..end] : n;
    }

    public static string KeyOf(FieldInfo field, Type owner) =>
        field.DeclaringType == owner ? field.Name : field.DeclaringType!.Name + "." + field.Name;

    /// <summary>Every assembly declaring one of <paramref name="fields"/>: the builds the keys depend on.</summary>
    public static IEnumerable<Assembly> DeclaringAssemblies(List<FieldInfo> fields, Type type)
    {
        yield return type.Assembly;
        foreach (var f in fields)
        {
            if (f.DeclaringType!.Assembly != type.Assembly)
            {
                yield return f.DeclaringType.Assembly;
            }
        }
    }

    public static string BuildOf(Assembly assembly) => assembly.ManifestModule.ModuleVersionId.ToString("D");
}
