namespace StormSharp.ZooKeeper;

/// <summary>One ACL entry: <paramref name="Perms"/> granted to identity <paramref name="Id"/> of <paramref name="Scheme"/>.</summary>
/// <param name="Scheme">"world", "auth", "digest", "ip", ...</param>
/// <param name="Id">For world: "anyone"; for digest: "user:base64(sha1(user:password))"; for auth: "".</param>
public sealed record Acl(Perms Perms, string Scheme, string Id);
