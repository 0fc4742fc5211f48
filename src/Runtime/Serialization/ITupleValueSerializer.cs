using System.Buffers;

namespace StormSharp.Runtime.Serialization;

/// <summary>
/// Encodes values of one user type inside tuples (Storm's registered Kryo serializers). The <see cref="TypeId"/>
/// is what travels, so it must be the same in every worker of a topology and never reused for another type.
/// </summary>
internal interface ITupleValueSerializer
{
    /// <summary>The exact runtime type handled (subclasses are not matched).</summary>
    Type ValueType { get; }

    /// <summary>A stable id, 0 or more, unique within the registry.</summary>
    int TypeId { get; }

    /// <summary>Writes <paramref name="value"/> (never null, always of <see cref="ValueType"/>).</summary>
    void Write(object value, IBufferWriter<byte> output);

    /// <summary>Reads back what <see cref="Write"/> wrote: exactly <paramref name="payload"/>, no more.</summary>
    object Read(ReadOnlySpan<byte> payload);
}
