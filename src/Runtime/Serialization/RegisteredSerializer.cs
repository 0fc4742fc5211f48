using System.Buffers;
using StormSharp.Topology;

namespace StormSharp.Runtime.Serialization;

/// <summary>A user's <see cref="ITupleValueSerializer{T}"/> under the type id the registry gave it.</summary>
internal sealed class RegisteredSerializer<T>(ITupleValueSerializer<T> inner, int typeId) : ITupleValueSerializer
    where T : notnull
{
    public Type ValueType => typeof(T);

    public int TypeId { get; } = typeId;

    public void Write(object value, IBufferWriter<byte> output) => inner.Write((T)value, output);

    public object Read(ReadOnlySpan<byte> payload)
    {
        var value = inner.Read(payload);
        return value is null ? throw new InvalidOperationException($"{inner.GetType().FullName} read back null for a {typeof(T).FullName}") : value;
    }
}
