namespace StormSharp.Runtime.Serialization;

/// <summary>One (root id, edge id) pair of a tuple's place in an ack tree, as it travels on the wire.</summary>
internal readonly record struct AckAnchor(long RootId, long EdgeId);
