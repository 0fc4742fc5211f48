using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using StormSharp.Cluster.Internal;
using StormSharp.ZooKeeper;

namespace StormSharp.Cluster;

/// <summary>
/// <see cref="IClusterState"/> over a <see cref="ZooKeeperClient"/> session, in the layout
/// documented on the interface. Missing parents are created as needed.
/// </summary>
/// <remarks>
/// <para>
/// Connection loss: operations issued while disconnected wait for the client to reconnect (they
/// fail with <see cref="ClusterStateUnavailableException"/> if the session expires first); an
/// operation in flight when the connection drops fails with
/// <see cref="ClusterStateUnavailableException"/> and may or may not have been applied. Nothing is
/// retried behind the caller's back, except the idempotent background work below.
/// <see cref="IsLeader"/> turns false as soon as the connection drops.
/// </para>
/// <para>
/// Session expiry: the client opens a new session by itself; this class then re-creates every
/// supervisor and Nimbus registration made through it (retrying until it succeeds or the instance
/// is disposed), re-enters the leader election at the back of the queue, and re-reads every
/// watched set so that subscribers learn of whatever changed meanwhile.
/// </para>
/// </remarks>
public sealed partial class ZooKeeperClusterState : IClusterState
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(250);

    private readonly ZooKeeperClient _client;
    private readonly ClusterPaths _paths;
    private readonly ClusterStateOptions _options;
    private readonly IReadOnlyList<Acl> _acl;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, byte[]> _ephemerals = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<ChangeFeed, bool> _feeds = new();
    private volatile bool _expired;
    private int _disposed;

    private ZooKeeperClusterState(ZooKeeperClient client, ClusterStateOptions options, ILogger logger)
    {
        _client = client;
        _options = options;
        _acl = options.Acl;
        _paths = new ClusterPaths(options.Root);
        _logger = logger;
        _leaderReader = new LeaderElection(client, _paths.LeaderLock, string.Empty, _acl);
    }

    /// <summary>The session underneath, for tests that expire it from outside.</summary>
    internal ZooKeeperClient Client => _client;

    /// <summary>
    /// Opens a session with <paramref name="zooKeeper"/> options (the connection string of
    /// <c>storm.zookeeper.servers</c>) and makes sure the layout's fixed nodes exist. The instance
    /// owns the session and closes it on dispose.
    /// </summary>
    public static async Task<ZooKeeperClusterState> ConnectAsync(ZooKeeperClientOptions zooKeeper, ClusterStateOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(zooKeeper);
        options ??= new ClusterStateOptions();
        options.Validate();
        ZooKeeperClient client;
        try
        {
            client = await ZooKeeperClient.ConnectAsync(zooKeeper, cancellationToken).ConfigureAwait(false);
        }
        catch (KeeperException ex)
        {
            throw new ClusterStateUnavailableException($"no ZooKeeper session from {zooKeeper.ConnectionString}: {ex.Message}", ex);
        }

        var state = new ZooKeeperClusterState(client, options, zooKeeper.LoggerFactory.CreateLogger<ZooKeeperClusterState>());
        client.ConnectionStateChanged += state.OnConnectionState;
        try
        {
            if (options.DigestAuth is { } auth)
            {
                // Re-sent by the client on every reconnect and in every new session.
                await client.AddAuthAsync("digest", auth, cancellationToken).ConfigureAwait(false);
            }

            await state.CreateLayoutAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await state.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return state;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _client.ConnectionStateChanged -= OnConnectionState;
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var feed in _feeds.Keys)
        {
            await feed.DisposeAsync().ConfigureAwait(false);
        }

        await LeaveLeaderElectionAsync().ConfigureAwait(false);
        await _leaderReader.DisposeAsync().ConfigureAwait(false);

        // Closing the session removes its ephemeral nodes at once rather than after the timeout.
        await _client.CloseAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task CreateLayoutAsync(CancellationToken cancellationToken)
    {
        foreach (var path in _paths.Layout)
        {
            await Run($"creating {path}", async () =>
            {
                try
                {
                    await _client.CreateWithParentsAsync(path, ReadOnlyMemory<byte>.Empty, _acl, CreateMode.Persistent, cancellationToken).ConfigureAwait(false);
                }
                catch (NodeExistsException)
                {
                }

                return true;
            }).ConfigureAwait(false);
        }
    }

    private void OnConnectionState(ConnectionState state)
    {
        switch (state)
        {
            case ConnectionState.Expired:
                _expired = true;
                break;
            case ConnectionState.Reconnected:
                if (_expired)
                {
                    _expired = false;
                    _ = Task.Run(RecreateEphemeralsAsync);
                }

                // The client re-arms watches on a reconnect of the same session, but not after an
                // expiry; re-reading in both cases costs little and covers both.
                foreach (var feed in _feeds.Keys)
                {
                    feed.Wake();
                }

                break;
            default:
                break;
        }
    }

    /// <summary>Maps the client's failures to the contract's: the caller should not need to know ZooKeeper's codes.</summary>
    private static async Task<T> Run<T>(string what, Func<Task<T>> operation)
    {
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (KeeperException ex)
        {
            throw new ClusterStateUnavailableException($"{what} failed: {ex.Message}", ex);
        }
    }

    private static async Task<byte[]?> GetDataOrNullAsync(ZooKeeperClient client, string path, CancellationToken cancellationToken)
    {
        try
        {
            return (await client.GetDataAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false)).Data;
        }
        catch (NoNodeException)
        {
            return null;
        }
    }

    private async Task<IReadOnlyList<string>> ChildrenOrEmptyAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            var children = await _client.GetChildrenAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false);
            return children.Children;
        }
        catch (NoNodeException)
        {
            return [];
        }
    }

    private static List<string> Sorted(IEnumerable<string> names)
    {
        var list = new List<string>(names);
        list.Sort(StringComparer.Ordinal);
        return list;
    }
}
