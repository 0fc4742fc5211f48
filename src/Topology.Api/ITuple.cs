namespace StormSharp.Topology;

/// <summary>
/// A tuple as a bolt receives it: its values, the fields that name them, and where it came from.
/// </summary>
public interface ITuple
{
    /// <summary>The values, in field order. Do not change the list.</summary>
    IReadOnlyList<object?> Values { get; }

    /// <summary>The field names of the stream the tuple came on.</summary>
    Fields Fields { get; }

    /// <summary>The number of values.</summary>
    int Size { get; }

    /// <summary>The id of the component that emitted the tuple.</summary>
    string SourceComponent { get; }

    /// <summary>The stream the tuple was emitted on.</summary>
    string SourceStreamId { get; }

    /// <summary>The task id that emitted the tuple.</summary>
    int SourceTask { get; }

    /// <summary>The source component and stream.</summary>
    GlobalStreamId SourceGlobalStreamId { get; }

    /// <summary>The tuple's place in the ack trees of the spout tuples it descends from; empty when unanchored.</summary>
    MessageId MessageId { get; }

    /// <summary>The value at <paramref name="index"/>.</summary>
    object? GetValue(int index);

    /// <summary>The value of <paramref name="field"/>; throws naming the field when the stream has no such field.</summary>
    object? GetValueByField(string field);

    /// <summary>Whether the stream has a field named <paramref name="field"/>.</summary>
    bool Contains(string field);

    /// <summary>The position of <paramref name="field"/>.</summary>
    int FieldIndex(string field);

    /// <summary>The values of <paramref name="selector"/>'s fields.</summary>
    List<object?> Select(Fields selector);

    /// <summary>The value at <paramref name="index"/> as a string.</summary>
    string? GetString(int index);

    /// <summary>The value at <paramref name="index"/> as an int.</summary>
    int GetInteger(int index);

    /// <summary>The value at <paramref name="index"/> as a long.</summary>
    long GetLong(int index);

    /// <summary>The value at <paramref name="index"/> as a double.</summary>
    double GetDouble(int index);

    /// <summary>The value at <paramref name="index"/> as a bool.</summary>
    bool GetBoolean(int index);

    /// <summary>The value at <paramref name="index"/> as bytes.</summary>
    byte[]? GetBinary(int index);

    /// <summary>The value of <paramref name="field"/> as a string.</summary>
    string? GetStringByField(string field);

    /// <summary>The value of <paramref name="field"/> as an int.</summary>
    int GetIntegerByField(string field);

    /// <summary>The value of <paramref name="field"/> as a long.</summary>
    long GetLongByField(string field);

    /// <summary>The value of <paramref name="field"/> as a double.</summary>
    double GetDoubleByField(string field);

    /// <summary>The value of <paramref name="field"/> as a bool.</summary>
    bool GetBooleanByField(string field);

    /// <summary>The value of <paramref name="field"/> as bytes.</summary>
    byte[]? GetBinaryByField(string field);
}
