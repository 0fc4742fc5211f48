using StormSharp.Runtime.Serialization;
using StormSharp.Topology;

namespace StormSharp.Runtime.Routing;

/// <summary>
/// The stable hash of a fields grouping's key on one emitter's stream. Knows the emitting component, the stream and
/// its fields, so a key that cannot be hashed the same way in every worker fails the emit with a message naming all
/// three, in local mode as in a cluster.
/// </summary>
internal sealed class KeyHasher(TupleValueSerializerRegistry serializers, string componentId, string streamId, Fields streamFields)
{
    /// <summary>For groupers built outside a topology (tests, benchmarks): no user types, placeholder names.</summary>
    public static KeyHasher Default { get; } = new(TupleValueSerializerRegistry.Empty, "?", "?", new Fields());

    public int Of(IReadOnlyList<object?> values, int[] indexes, uint seed)
    {
        try
        {
            return StableHash.Of(values, indexes, serializers, seed);
        }
        catch (UnstableHashException e)
        {
            throw new NotSupportedException(Explain(values, indexes, e), e);
        }
    }

    private string Explain(IReadOnlyList<object?> values, int[] indexes, UnstableHashException e)
    {
        // Find the field that failed (the slow path, once per bad emit); a nested value names its container too.
        var field = "?";
        object? holder = null;
        foreach (var i in indexes)
        {
            try
            {
                StableHash.Value(values[i], serializers);
            }
            catch (UnstableHashException)
            {
                field = i < streamFields.Count ? streamFields[i] : i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                holder = values[i];
                break;
            }
        }

        var inside = holder is not null && holder.GetType() != e.ValueType ? $" inside a {holder.GetType().Name}" : string.Empty;
        return $"component '{componentId}' emitted on stream '{streamId}' a {e.ValueType.FullName}{inside} in field '{field}', which a fields "
            + $"grouping must hash: it {e.Reason}. Register a serializer for it with Config.RegisterSerialization(typeof({e.ValueType.Name}), "
            + "typeof(YourSerializer)), whose bytes are then hashed, or group on a primitive, string, byte[], Guid, DateTime, decimal, enum, list or map";
    }
}
