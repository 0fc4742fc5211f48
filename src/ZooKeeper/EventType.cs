namespace StormSharp.ZooKeeper;

/// <summary>What a watch notification reports; values are the wire codes.</summary>
public enum EventType
{
    /// <summary>A session-state notification, not about a node.</summary>
    None = -1,
    NodeCreated = 1,
    NodeDeleted = 2,
    NodeDataChanged = 3,
    NodeChildrenChanged = 4,
}
