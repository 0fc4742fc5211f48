using StormSharp.Cluster.Internal;
using StormSharp.ZooKeeper;

namespace StormSharp.Cluster;

public sealed partial class ZooKeeperClusterState
{
    public Task<IAsyncDisposable> WatchSupervisorsAsync(Action<MembershipChange> handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return StartFeedAsync(
            _paths.Supervisors,
            feed =>
            {
                var watcher = WatcherFor(feed);
                return async token =>
                {
                    var children = await _client.GetChildrenAsync(_paths.Supervisors, watcher, token).ConfigureAwait(false);
                    return children.Children.ToDictionary(c => c, _ => 0, StringComparer.Ordinal);
                };
            },
            d => handler(new MembershipChange(d.Added, d.Removed)),
            cancellationToken);
    }

    public Task<IAsyncDisposable> WatchAssignmentsAsync(Action<AssignmentsChange> handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return StartFeedAsync(
            _paths.Assignments,
            feed =>
            {
                var watcher = WatcherFor(feed);
                return async token =>
                {
                    // A child watch sees assignments come and go, a data watch on each sees it
                    // rewritten. The same watcher object each time: the client keeps one
                    // registration per path and watcher, so re-reading does not pile them up.
                    var children = await _client.GetChildrenAsync(_paths.Assignments, watcher, token).ConfigureAwait(false);
                    var stats = children.Children.Select(async c => (c, await _client.ExistsAsync(_paths.Assignments + "/" + c, watcher, token).ConfigureAwait(false))).ToList();
                    var versions = new Dictionary<string, int>(StringComparer.Ordinal);
                    foreach (var pending in stats)
                    {
                        var (name, stat) = await pending.ConfigureAwait(false);
                        if (stat is not null)
                        {
                            versions[name] = stat.Version;
                        }
                    }

                    return versions;
                };
            },
            d => handler(new AssignmentsChange(d.Added, d.Changed, d.Removed)),
            cancellationToken);
    }

    private static Action<WatchedEvent> WatcherFor(Func<ChangeFeed?> feed) => _ => feed()?.Wake();

    private async Task<IAsyncDisposable> StartFeedAsync(
        string what,
        Func<Func<ChangeFeed?>, Func<CancellationToken, Task<IReadOnlyDictionary<string, int>>>> makeRead,
        Action<ChangeFeed.Difference> deliver,
        CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        ChangeFeed? feed = null;
        var read = makeRead(() => feed);
        feed = new ChangeFeed(what, read, deliver, _logger, f => _feeds.TryRemove(f, out _));
        _feeds[feed] = true;
        try
        {
            await Run($"watching {what}", async () =>
            {
                await feed.StartAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }).ConfigureAwait(false);
        }
        catch
        {
            await feed.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return feed;
    }
}
