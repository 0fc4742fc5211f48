using System.Collections;
using System.Globalization;
using StormSharp.Topology;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace StormSharp.Flux.Internal;

/// <summary>
/// Turns YAML values into .NET values of a parameter's or property's type: scalars into strings, numbers, booleans,
/// enums and chars; lists into arrays, lists and <see cref="Fields"/>; mappings into dictionaries; <c>ref</c> and
/// <c>reflist</c> into components already built. Untyped places (<c>object</c>, config) get Storm's YAML types:
/// int or long, double, bool, null, string, lists and maps.
/// </summary>
internal sealed class ValueBinder(IReadOnlyDictionary<string, object> components)
{
    /// <summary>Binds <paramref name="node"/> to <paramref name="type"/>; false with the reason when it cannot.</summary>
    public bool TryBind(YamlNode node, Type type, out object? value, out string why)
    {
        value = null;
        why = "";
        if (node is YamlMappingNode map && TryRef(map, out var refNode, out var isList))
        {
            return isList ? TryRefList(refNode, type, out value, out why) : TryRefOne(refNode, type, out value, out why);
        }

        var target = Nullable.GetUnderlyingType(type) ?? type;
        switch (node)
        {
            case YamlScalarNode s:
                if (IsNull(s))
                {
                    if (type.IsValueType && Nullable.GetUnderlyingType(type) is null)
                    {
                        why = $"null cannot be {A(Name(type))}";
                        return false;
                    }

                    return true;
                }

                return TryScalar(s, target, out value, out why);
            case YamlSequenceNode seq:
                return TrySequence(seq, target, out value, out why);
            case YamlMappingNode m:
                if (target == typeof(object) || target.IsAssignableFrom(typeof(Dictionary<string, object?>)))
                {
                    value = Untyped(m);
                    return true;
                }

                why = $"a mapping cannot be {A(Name(type))}";
                return false;
            default:
                why = "unsupported YAML node";
                return false;
        }
    }

    /// <summary>Storm's YAML types for an untyped value.</summary>
    public object? Untyped(YamlNode node)
    {
        switch (node)
        {
            case YamlScalarNode s:
                return InferScalar(s);
            case YamlSequenceNode seq:
                return seq.Children.Select(Untyped).ToList();
            case YamlMappingNode m:
                if (TryRef(m, out var refNode, out var isList))
                {
                    return isList ? ((YamlSequenceNode)refNode).Children.Select(n => Component(((YamlScalarNode)n).Value!, n)).ToList() : Component(((YamlScalarNode)refNode).Value!, refNode);
                }

                var dict = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (k, v) in m.Children)
                {
                    dict[((YamlScalarNode)k).Value!] = Untyped(v);
                }

                return dict;
            default:
                return null;
        }
    }

    private object Component(string id, YamlNode at) =>
        components.TryGetValue(id, out var c) ? c : throw new InvalidOperationException($"ref '{id}' names no component defined before it");

    private static bool TryRef(YamlMappingNode map, out YamlNode refNode, out bool isList)
    {
        refNode = null!;
        isList = false;
        if (map.Children.Count == 1 && map.Children.First() is var (k, v) && k is YamlScalarNode { Value: "ref" or "reflist" } key)
        {
            refNode = v;
            isList = key.Value == "reflist";
            return true;
        }

        return false;
    }

    private bool TryRefOne(YamlNode node, Type type, out object? value, out string why)
    {
        value = null;
        if (node is not YamlScalarNode { Value: { } id })
        {
            why = "ref takes one component id";
            return false;
        }

        if (!components.TryGetValue(id, out var c))
        {
            why = $"ref '{id}' names no component (components are defined under 'components', before they are used)";
            return false;
        }

        if (!type.IsInstanceOfType(c))
        {
            why = $"ref '{id}' is {A(Name(c.GetType()))}, not {A(Name(type))}";
            return false;
        }

        value = c;
        why = "";
        return true;
    }

    private bool TryRefList(YamlNode node, Type type, out object? value, out string why)
    {
        value = null;
        if (node is not YamlSequenceNode seq)
        {
            why = "reflist takes a list of component ids";
            return false;
        }

        var element = ElementType(type);
        if (element is null)
        {
            why = $"reflist cannot be {A(Name(type))}";
            return false;
        }

        var items = new List<object?>();
        foreach (var item in seq)
        {
            if (!TryRefOne(item, element, out var one, out why))
            {
                return false;
            }

            items.Add(one);
        }

        value = Collection(type, element, items);
        why = "";
        return true;
    }

    private bool TrySequence(YamlSequenceNode seq, Type type, out object? value, out string why)
    {
        value = null;
        why = "";
        if (type == typeof(Fields))
        {
            var names = new List<string>();
            foreach (var item in seq)
            {
                if (item is not YamlScalarNode { Value: { } n })
                {
                    why = "Fields are a list of names";
                    return false;
                }

                names.Add(n);
            }

            value = new Fields(names.ToArray());
            return true;
        }

        if (type == typeof(object))
        {
            value = Untyped(seq);
            return true;
        }

        var element = ElementType(type);
        if (element is null)
        {
            why = $"a list cannot be {A(Name(type))}";
            return false;
        }

        var items = new List<object?>();
        var i = 0;
        foreach (var item in seq)
        {
            i++;
            if (!TryBind(item, element, out var one, out var inner))
            {
                why = $"item {i}: {inner}";
                return false;
            }

            items.Add(one);
        }

        value = Collection(type, element, items);
        return true;
    }

    private static Type? ElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        if (type.IsGenericType)
        {
            var def = type.GetGenericTypeDefinition();
            if (def == typeof(List<>) || def == typeof(IList<>) || def == typeof(IReadOnlyList<>) || def == typeof(IEnumerable<>)
                || def == typeof(ICollection<>) || def == typeof(IReadOnlyCollection<>))
            {
                return type.GetGenericArguments()[0];
            }
        }

        return type == typeof(IList) || type == typeof(IEnumerable) ? typeof(object) : null;
    }

    private static object Collection(Type type, Type element, List<object?> items)
    {
        if (type.IsArray)
        {
            var array = Array.CreateInstance(element, items.Count);
            for (var i = 0; i < items.Count; i++)
            {
                array.SetValue(items[i], i);
            }

            return array;
        }

        var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(element))!;
        foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }

    private static bool TryScalar(YamlScalarNode s, Type type, out object? value, out string why)
    {
        var text = s.Value ?? "";
        value = null;
        why = "";
        var inv = CultureInfo.InvariantCulture;
        bool ok;
        if (type == typeof(string))
        {
            value = text;
            return true;
        }

        if (type == typeof(object))
        {
            value = InferScalar(s);
            return true;
        }

        if (type.IsEnum)
        {
            ok = Enum.TryParse(type, text, ignoreCase: true, out value) && !text.All(char.IsAsciiDigit);
        }
        else
        {
            (ok, value) = Type.GetTypeCode(type) switch
            {
                TypeCode.Boolean => (bool.TryParse(text, out var b), b),
                TypeCode.Int32 => (int.TryParse(text, NumberStyles.Integer, inv, out var i), i),
                TypeCode.Int64 => (long.TryParse(text, NumberStyles.Integer, inv, out var l), l),
                TypeCode.Int16 => (short.TryParse(text, NumberStyles.Integer, inv, out var sh), sh),
                TypeCode.Byte => (byte.TryParse(text, NumberStyles.Integer, inv, out var by), by),
                TypeCode.Double => (double.TryParse(text, NumberStyles.Float, inv, out var d), d),
                TypeCode.Single => (float.TryParse(text, NumberStyles.Float, inv, out var f), f),
                TypeCode.Decimal => (decimal.TryParse(text, NumberStyles.Number, inv, out var m), m),
                TypeCode.Char => (text.Length == 1, text.Length == 1 ? text[0] : '\0'),
                _ => (false, (object?)null),
            };
        }

        if (!ok)
        {
            value = null;
            why = $"'{text}' is not {A(Name(type))}";
        }

        return ok;
    }

    private static bool IsNull(YamlScalarNode s) =>
        s.Style == ScalarStyle.Plain && (s.Value is null or "" or "~" or "null" or "Null" or "NULL");

    private static object? InferScalar(YamlScalarNode s)
    {
        var text = s.Value ?? "";
        if (s.Style != ScalarStyle.Plain)
        {
            return text;
        }

        if (IsNull(s))
        {
            return null;
        }

        if (text is "true" or "True" or "TRUE")
        {
            return true;
        }

        if (text is "false" or "False" or "FALSE")
        {
            return false;
        }

        var inv = CultureInfo.InvariantCulture;
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, inv, out var l))
        {
            return l is >= int.MinValue and <= int.MaxValue ? (object)(int)l : l;
        }

        return double.TryParse(text, NumberStyles.Float, inv, out var d) && text.Any(char.IsAsciiDigit) ? d : text;
    }

    private static string A(string noun) => ("aeiouAEIOU".Contains(noun[0], StringComparison.Ordinal) ? "an " : "a ") + noun;

    public static string Name(Type type)
    {
        if (Nullable.GetUnderlyingType(type) is { } inner)
        {
            return Name(inner) + "?";
        }

        return Type.GetTypeCode(type) switch
        {
            TypeCode.String => "string",
            TypeCode.Int32 => "int",
            TypeCode.Int64 => "long",
            TypeCode.Boolean => "bool",
            TypeCode.Double => "double",
            _ => type.IsGenericType ? $"{type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(", ", type.GetGenericArguments().Select(Name))}>" : type.Name,
        };
    }
}
