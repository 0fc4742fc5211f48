namespace StormSharp.Runtime.Serialization;

/// <summary>The user-type serializers of a topology, looked up by type when encoding and by id when decoding.</summary>
internal sealed class TupleValueSerializerRegistry
{
    private readonly Dictionary<Type, ITupleValueSerializer> _byType = [];
    private readonly Dictionary<int, ITupleValueSerializer> _byId = [];

    public static TupleValueSerializerRegistry Empty { get; } = new();

    public int Count => _byId.Count;

    /// <summary>Adds <paramref name="serializer"/>; its type and id must both be new.</summary>
    public TupleValueSerializerRegistry Register(ITupleValueSerializer serializer)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        if (ReferenceEquals(this, Empty))
        {
            throw new InvalidOperationException("the shared empty registry cannot be changed; create a new one");
        }

        var type = serializer.ValueType ?? throw new ArgumentException("serializer has no value type", nameof(serializer));
        if (serializer.TypeId < 0)
        {
            throw new ArgumentException($"serializer for {type.FullName} has negative type id {serializer.TypeId}", nameof(serializer));
        }

        if (_byType.ContainsKey(type))
        {
            throw new ArgumentException($"a serializer for {type.FullName} is already registered", nameof(serializer));
        }

        if (_byId.TryGetValue(serializer.TypeId, out var other))
        {
            throw new ArgumentException(
                $"type id {serializer.TypeId} of {type.FullName} is already used by {other.ValueType.FullName}", nameof(serializer));
        }

        _byType.Add(type, serializer);
        _byId.Add(serializer.TypeId, serializer);
        return this;
    }

    public bool TryGet(Type type, out ITupleValueSerializer serializer) => _byType.TryGetValue(type, out serializer!);

    public bool TryGet(int typeId, out ITupleValueSerializer serializer) => _byId.TryGetValue(typeId, out serializer!);
}
