namespace StormSharp.ZooKeeper;

/// <summary>A node's child names (not full paths, in no particular order) and its metadata.</summary>
public sealed record NodeChildren(IReadOnlyList<string> Children, Stat Stat);
