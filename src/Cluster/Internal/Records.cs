using Google.Protobuf;

namespace StormSharp.Cluster.Internal;

internal static class Records
{
    /// <summary>Parses a stored record; a node that holds something else is named in the error rather than crashing its reader.</summary>
    public static T Decode<T>(MessageParser<T> parser, byte[] data, string where)
        where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(data);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new InvalidDataException($"{where} does not hold a valid {typeof(T).Name} record: {ex.Message}", ex);
        }
    }

    public static void CheckExpectedVersion(int expectedVersion)
    {
        if (expectedVersion < StateVersion.Absent)
        {
            throw new ArgumentOutOfRangeException(nameof(expectedVersion), expectedVersion, "expected version must be a version read earlier (0 or more), StateVersion.Any or StateVersion.Absent");
        }
    }
}
