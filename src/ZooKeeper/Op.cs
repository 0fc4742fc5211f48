namespace StormSharp.ZooKeeper;

/// <summary>One operation of an atomic <c>MultiAsync</c> transaction.</summary>
public abstract record Op(string Path)
{
    public static Op Create(string path, ReadOnlyMemory<byte> data, IReadOnlyList<Acl> acl, CreateMode mode = CreateMode.Persistent) =>
        new CreateOp(path, data, acl, mode);

    public static Op Delete(string path, int version = -1) => new DeleteOp(path, version);

    public static Op SetData(string path, ReadOnlyMemory<byte> data, int version = -1) => new SetDataOp(path, data, version);

    /// <summary>Succeeds only if the node exists at <paramref name="version"/> (-1: any version).</summary>
    public static Op Check(string path, int version) => new CheckOp(path, version);

    public sealed record CreateOp(string Path, ReadOnlyMemory<byte> Data, IReadOnlyList<Acl> Acl, CreateMode Mode) : Op(Path);

    public sealed record DeleteOp(string Path, int Version) : Op(Path);

    public sealed record SetDataOp(string Path, ReadOnlyMemory<byte> Data, int Version) : Op(Path);

    public sealed record CheckOp(string Path, int Version) : Op(Path);
}
