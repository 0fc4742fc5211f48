namespace StormSharp.ZooKeeper;

/// <summary>The ACL lists ZooKeeper's own client predefines.</summary>
public static class Acls
{
    /// <summary>Anyone may do anything.</summary>
    public static IReadOnlyList<Acl> OpenUnsafe { get; } = [new Acl(Perms.All, "world", "anyone")];

    /// <summary>Anyone may read; nobody may change anything.</summary>
    public static IReadOnlyList<Acl> ReadUnsafe { get; } = [new Acl(Perms.Read, "world", "anyone")];

    /// <summary>
    /// Everything for the identities the creating session authenticated with (<c>AddAuthAsync</c>);
    /// the server refuses it with InvalidAcl when the session has no authenticated identity.
    /// </summary>
    public static IReadOnlyList<Acl> CreatorAll { get; } = [new Acl(Perms.All, "auth", "")];

    /// <summary>The "digest" scheme identity for user:password, as the server stores it.</summary>
    public static string DigestId(string user, string password)
    {
        var hash = System.Security.Cryptography.SHA1.HashData(System.Text.Encoding.UTF8.GetBytes(user + ":" + password));
        return user + ":" + Convert.ToBase64String(hash);
    }
}
