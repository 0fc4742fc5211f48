namespace StormSharp.Runtime.Serialization;

/// <summary>The first byte of every value on the wire. Numbers are part of the format: never renumber.</summary>
internal enum WireTag : byte
{
    Null = 0,
    False = 1,
    True = 2,
    Byte = 3,
    Int16 = 4,
    Int32 = 5,
    Int64 = 6,
    Single = 7,
    Double = 8,
    Char = 9,
    String = 10,
    Bytes = 11,
    Guid = 12,
    DateTime = 13,
    Decimal = 14,
    List = 15,
    Map = 16,
    User = 17,
}
