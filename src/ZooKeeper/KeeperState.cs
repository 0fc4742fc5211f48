namespace StormSharp.ZooKeeper;

/// <summary>Session state carried by a watch notification; values are the wire codes.</summary>
public enum KeeperState
{
    Disconnected = 0,
    SyncConnected = 3,
    AuthFailed = 4,
    Expired = -112,
    Closed = 7,
}
