namespace StormSharp.ZooKeeper;

/// <summary>A znode's metadata. Times are milliseconds since the Unix epoch.</summary>
/// <param name="Version">Data version: pass it to SetData/Delete/Check for a conditional update.</param>
/// <param name="Cversion">Children version.</param>
/// <param name="Aversion">ACL version.</param>
/// <param name="EphemeralOwner">Owning session id for ephemeral nodes, 0 otherwise.</param>
public sealed record Stat(
    long Czxid,
    long Mzxid,
    long Ctime,
    long Mtime,
    int Version,
    int Cversion,
    int Aversion,
    long EphemeralOwner,
    int DataLength,
    int NumChildren,
    long Pzxid);
