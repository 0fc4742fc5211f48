namespace StormSharp.ZooKeeper.Internal;

internal enum WatchKind
{
    None,
    Data,
    Exists,
    Children,
}
