namespace StormSharp.ZooKeeper.Internal;

/// <summary>Reserved xids: replies carrying them are not answers to ordinary requests.</summary>
internal static class Xids
{
    public const int Notification = -1;
    public const int Ping = -2;
    public const int Auth = -4;
    public const int SetWatches = -8;
}
