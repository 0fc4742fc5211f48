namespace StormSharp.Runtime.Serialization;

/// <summary>A tuple as decoded from a batch: the engine turns it into its own tuple type for the destination task.</summary>
internal sealed class WireTuple(int sourceTask, int destTask, string streamId, AckAnchor[] anchors, List<object?> values)
{
    public int SourceTask { get; } = sourceTask;

    public int DestTask { get; } = destTask;

    public string StreamId { get; } = streamId;

    /// <summary>The (root, edge) pairs; an empty array when unanchored.</summary>
    public AckAnchor[] Anchors { get; } = anchors;

    public List<object?> Values { get; } = values;
}
