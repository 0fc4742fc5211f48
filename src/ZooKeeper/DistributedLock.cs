using StormSharp.ZooKeeper.Internal;

namespace StormSharp.ZooKeeper;

/// <summary>
/// A mutual-exclusion lock shared by every process using the same <c>lockPath</c> (the
/// ZooKeeper lock recipe): each waiter queues an ephemeral-sequential node and watches only the
/// node just before its own, so a release wakes one waiter, not all. Not re-entrant; one holder
/// per instance.
/// </summary>
/// <remarks>
/// The lock lives as long as the holder's session: if the session expires
/// (<see cref="ConnectionState.Expired"/>) the lock is gone, and on
/// <see cref="ConnectionState.Disconnected"/> it is uncertain until reconnected.
/// </remarks>
public sealed class DistributedLock
{
    private const string Prefix = "lock-";
    private readonly ZooKeeperClient _client;
    private readonly string _lockPath;
    private readonly IReadOnlyList<Acl> _acl;
    private string? _ourPath;

    public DistributedLock(ZooKeeperClient client, string lockPath, IReadOnlyList<Acl>? acl = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        PathUtil.Validate(lockPath, false);
        _client = client;
        _lockPath = lockPath;
        _acl = acl ?? Acls.OpenUnsafe;
    }

    /// <summary>True between a successful acquire and the release.</summary>
    public bool IsHeld => _ourPath is not null;

    /// <summary>Waits until the lock is held or <paramref name="cancellationToken"/> fires.</summary>
    public async Task AcquireAsync(CancellationToken cancellationToken = default)
    {
        if (!await TryAcquireAsync(Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false))
        {
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/>; false (and no trace left in ZooKeeper) if the lock was not obtained.</summary>
    public async Task<bool> TryAcquireAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (_ourPath is not null)
        {
            throw new InvalidOperationException("this lock instance already holds the lock");
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            cts.CancelAfter(timeout);
        }

        var protectedPrefix = SequentialNodes.NewProtectedPrefix(Prefix);
        string? ours = null;
        try
        {
            ours = await SequentialNodes.CreateProtectedAsync(_client, _lockPath, protectedPrefix, Prefix, [], _acl, cts.Token).ConfigureAwait(false);
            while (true)
            {
                NodeChildren children;
                try
                {
                    children = await _client.GetChildrenAsync(_lockPath, cancellationToken: cts.Token).ConfigureAwait(false);
                }
                catch (ConnectionLossException)
                {
                    // Our place in the queue survives a reconnect within the session: look again.
                    continue;
                }

                var sorted = SequentialNodes.Sorted(children.Children, Prefix);
                var index = sorted.IndexOf(SequentialNodes.Name(ours));
                if (index < 0)
                {
                    // Our node is gone: the session expired while we waited.
                    throw new SessionExpiredException(ours);
                }

                if (index == 0)
                {
                    _ourPath = ours;
                    return true;
                }

                var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var predecessor = $"{_lockPath}/{sorted[index - 1]}";
                try
                {
                    if (await _client.ExistsAsync(predecessor, _ => released.TrySetResult(), cts.Token).ConfigureAwait(false) is null)
                    {
                        continue;
                    }
                }
                catch (ConnectionLossException)
                {
                    continue;
                }

                await released.Task.WaitAsync(cts.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            await DeleteQuietlyAsync(ours ?? await SequentialNodes.FindAsync(_client, _lockPath, protectedPrefix, Prefix, CancellationToken.None).ConfigureAwait(false)).ConfigureAwait(false);
            return false;
        }
        catch
        {
            await DeleteQuietlyAsync(ours).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Releases the lock; the next waiter is woken by its watch.</summary>
    public async Task ReleaseAsync()
    {
        var ours = _ourPath ?? throw new InvalidOperationException("the lock is not held");
        _ourPath = null;
        await DeleteQuietlyAsync(ours).ConfigureAwait(false);
    }

    private async Task DeleteQuietlyAsync(string? path)
    {
        if (path is null)
        {
            return;
        }

        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                await _client.DeleteAsync(path).ConfigureAwait(false);
                return;
            }
            catch (NoNodeException)
            {
                return;
            }
            catch (ConnectionLossException)
            {
            }
            catch (SessionExpiredException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
        }
    }
}
