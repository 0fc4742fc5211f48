using System.Globalization;

namespace StormSharp.ZooKeeper.Internal;

/// <summary>
/// Shared by the lock and election recipes: candidates are ephemeral-sequential children named
/// <c>_c_{guid}-{prefix}{sequence}</c>. The guid lets a candidate find its own node after a
/// connection loss left it unsure whether its create was applied.
/// </summary>
internal static class SequentialNodes
{
    public static string NewProtectedPrefix(string prefix) => $"_c_{Guid.NewGuid():N}-{prefix}";

    public static long Sequence(string name)
    {
        // The server appends exactly ten digits.
        return name.Length >= 10 && long.TryParse(name.AsSpan(name.Length - 10), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : long.MaxValue;
    }

    public static List<string> Sorted(IEnumerable<string> children, string prefix) =>
        [.. children.Where(c => c.Contains(prefix, StringComparison.Ordinal) && c.Length > 10).OrderBy(Sequence).ThenBy(c => c, StringComparer.Ordinal)];

    /// <summary>
    /// Creates this candidate's node, or finds it if an earlier attempt's create was applied but its
    /// reply was lost with the connection.
    /// </summary>
    public static async Task<string> CreateProtectedAsync(ZooKeeperClient client, string parent, string protectedPrefix, string prefix, byte[] data, IReadOnlyList<Acl> acl, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await client.CreateWithParentsAsync($"{parent}/{protectedPrefix}", data, acl, CreateMode.EphemeralSequential, cancellationToken).ConfigureAwait(false);
            }
            catch (ConnectionLossException)
            {
                var existing = await FindAsync(client, parent, protectedPrefix, prefix, cancellationToken).ConfigureAwait(false);
                if (existing is not null)
                {
                    return existing;
                }
            }
        }
    }

    public static async Task<string?> FindAsync(ZooKeeperClient client, string parent, string protectedPrefix, string prefix, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                var children = await client.GetChildrenAsync(parent, cancellationToken: cancellationToken).ConfigureAwait(false);
                var mine = children.Children.FirstOrDefault(c => c.StartsWith(protectedPrefix, StringComparison.Ordinal));
                return mine is null ? null : $"{parent}/{mine}";
            }
            catch (ConnectionLossException)
            {
            }
            catch (NoNodeException)
            {
                return null;
            }
        }
    }

    public static string Name(string path) => path[(path.LastIndexOf('/') + 1)..];
}
