namespace StormSharp.ZooKeeper;

/// <summary>A node's data and metadata, as read together.</summary>
public sealed record NodeData(byte[] Data, Stat Stat);
