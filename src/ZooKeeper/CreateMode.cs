namespace StormSharp.ZooKeeper;

/// <summary>How a node is created; values are the wire flags.</summary>
public enum CreateMode
{
    Persistent = 0,

    /// <summary>Deleted by the server when the creating session ends.</summary>
    Ephemeral = 1,

    /// <summary>The server appends a 10-digit, per-parent increasing counter to the name.</summary>
    PersistentSequential = 2,
    EphemeralSequential = 3,
}
