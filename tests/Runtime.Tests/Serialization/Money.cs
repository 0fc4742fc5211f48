using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using StormSharp.Topology;

namespace StormSharp.Runtime.Tests.Serialization;

/// <summary>A user type that tuples carry through a registered serializer.</summary>
public sealed record Money(string Currency, long Cents);

/// <summary>Writes the cents as 8 bytes then the currency as UTF-8; counts reads so tests can tell the wire was crossed.</summary>
public sealed class MoneySerializer : ITupleValueSerializer<Money>
{
    private static long _reads;

    public static long Reads => Interlocked.Read(ref _reads);

    public void Write(Money value, IBufferWriter<byte> output)
    {
        var span = output.GetSpan(8 + Encoding.UTF8.GetMaxByteCount(value.Currency.Length));
        BinaryPrimitives.WriteInt64LittleEndian(span, value.Cents);
        var n = Encoding.UTF8.GetBytes(value.Currency, span[8..]);
        output.Advance(8 + n);
    }

    public Money Read(ReadOnlySpan<byte> payload)
    {
        Interlocked.Increment(ref _reads);
        return new Money(Encoding.UTF8.GetString(payload[8..]), BinaryPrimitives.ReadInt64LittleEndian(payload));
    }
}
