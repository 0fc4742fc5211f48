namespace StormSharp.ZooKeeper;

/// <summary>ACL permission bits, as ZooKeeper numbers them.</summary>
[Flags]
public enum Perms
{
    None = 0,
    Read = 1,
    Write = 2,
    Create = 4,
    Delete = 8,
    Admin = 16,
    All = Read | Write | Create | Delete | Admin,
}
