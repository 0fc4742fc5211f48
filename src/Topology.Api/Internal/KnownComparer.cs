using System.Globalization;
using System.Text.Json;

namespace StormSharp.Topology.Internal;

/// <summary>
/// The framework comparers that travel by name: the defaults, ReferenceEqualityComparer, and StringComparer with its
/// ordinal or culture-aware rules (culture name and CompareOptions), so a case-insensitive dictionary stays one.
/// </summary>
internal static class KnownComparer
{
    private const string NameKey = "known";
    private const string IgnoreCaseKey = "ignoreCase";
    private const string CultureKey = "culture";
    private const string OptionsKey = "options";

    /// <summary>Writes <paramref name="comparer"/> by name and returns true, or returns false when it is not a known one.</summary>
    public static bool TryWrite(Utf8JsonWriter writer, object comparer, CollectionShape shape)
    {
        if (ReferenceEquals(comparer, DefaultFor(shape)))
        {
            Named(writer, "default");
            return true;
        }

        if (ReferenceEquals(comparer, ReferenceEqualityComparer.Instance))
        {
            Named(writer, "reference");
            return true;
        }

        if (comparer is StringComparer sc)
        {
            if (StringComparer.IsWellKnownOrdinalComparer(sc, out var ignoreCase))
            {
                writer.WriteStartObject();
                writer.WriteString(NameKey, "ordinal");
                writer.WriteBoolean(IgnoreCaseKey, ignoreCase);
                writer.WriteEndObject();
                return true;
            }

            if (StringComparer.IsWellKnownCultureAwareComparer(sc, out var compareInfo, out var options))
            {
                writer.WriteStartObject();
                writer.WriteString(NameKey, "culture");
                writer.WriteString(CultureKey, compareInfo.Name);
                writer.WriteNumber(OptionsKey, (int)options);
                writer.WriteEndObject();
                return true;
            }
        }

        return false;
    }

    public static bool IsKnown(JsonElement e) => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(NameKey, out _);

    public static object Read(JsonElement e, CollectionShape shape, string path)
    {
        var name = e.GetProperty(NameKey).GetString();
        object comparer = name switch
        {
            "default" => DefaultFor(shape),
            "reference" => ReferenceEqualityComparer.Instance,
            "ordinal" => e.GetProperty(IgnoreCaseKey).GetBoolean() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal,
            "culture" => StringComparer.Create(
                CultureInfo.GetCultureInfo(e.GetProperty(CultureKey).GetString()!),
                (CompareOptions)e.GetProperty(OptionsKey).GetInt32()),
            _ => throw new InvalidOperationException($"{path}: unknown comparer '{name}'"),
        };

        return shape.ComparerInterface!.IsInstanceOfType(comparer)
            ? comparer
            : throw new InvalidOperationException($"{path}: comparer '{name}' does not compare {ObjectState.Describe(shape.Item)}");
    }

    private static object DefaultFor(CollectionShape shape)
    {
        var holder = shape.Comparer == CollectionShape.ComparerRole.Equality ? typeof(EqualityComparer<>) : typeof(Comparer<>);
        return holder.MakeGenericType(shape.Item).GetProperty("Default")!.GetValue(null)!;
    }

    private static void Named(Utf8JsonWriter writer, string name)
    {
        writer.WriteStartObject();
        writer.WriteString(NameKey, name);
        writer.WriteEndObject();
    }
}
