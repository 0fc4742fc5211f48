using System.Buffers;

namespace StormSharp.Topology;

/// <summary>
/// Encodes values of a type of your own inside tuples, so they can travel between workers and be hashed by a fields
/// grouping; the counterpart of a Kryo serializer registered through Storm's <c>topology.kryo.register</c>. Register it
/// with <see cref="Config.RegisterSerialization"/>.
/// </summary>
/// <remarks>
/// <para>Each worker creates one instance through the public parameterless constructor and calls it from several
/// threads at once: keep it stateless.</para>
/// <para>Only values whose runtime type is exactly <typeparamref name="T"/> use it (subclasses need their own
/// registration). A fields grouping hashes the bytes <see cref="Write"/> produces, so equal values must write equal
/// bytes, and the same bytes in every process (no per-process state such as a string's GetHashCode).</para>
/// </remarks>
/// <typeparam name="T">The type encoded.</typeparam>
public interface ITupleValueSerializer<T>
{
    /// <summary>Writes <paramref name="value"/> (never null) to <paramref name="output"/>.</summary>
    void Write(T value, IBufferWriter<byte> output);

    /// <summary>Reads back what <see cref="Write"/> wrote: <paramref name="payload"/> is exactly those bytes, no more.</summary>
    T Read(ReadOnlySpan<byte> payload);
}
