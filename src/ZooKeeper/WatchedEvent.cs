namespace StormSharp.ZooKeeper;

/// <summary>
/// One watch firing. Watches are one-shot; an <see cref="EventType.None"/> event with
/// <see cref="KeeperState.Expired"/> or <see cref="KeeperState.Closed"/> tells a watcher its watch is gone.
/// </summary>
/// <param name="Path">Client path (chroot removed); null for session events.</param>
public sealed record WatchedEvent(EventType Type, KeeperState State, string? Path);
