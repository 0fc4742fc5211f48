using Google.Protobuf;
using Microsoft.Extensions.Logging;
using StormSharp.Cluster.Internal;
using StormSharp.ZooKeeper;

namespace StormSharp.Cluster;

public sealed partial class ZooKeeperClusterState
{
    private readonly LeaderElection _leaderReader;
    private readonly Lock _electionLock = new();
    private LeaderElection? _election;

    public event Action<bool>? LeadershipChanged;

    public bool IsLeader
    {
        get
        {
            lock (_electionLock)
            {
                return _election?.IsLeader ?? false;
            }
        }
    }

    public Task RegisterSupervisorAsync(string supervisorId, SupervisorInfo info, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(info);
        return RegisterEphemeralAsync(_paths.Supervisor(supervisorId), info.ToByteArray(), ClusterPaths.Describe("supervisor", supervisorId), cancellationToken);
    }

    public Task RemoveSupervisorAsync(string supervisorId, CancellationToken cancellationToken = default) =>
        RemoveEphemeralAsync(_paths.Supervisor(supervisorId), ClusterPaths.Describe("supervisor", supervisorId), cancellationToken);

    public Task<SupervisorInfo?> GetSupervisorAsync(string supervisorId, CancellationToken cancellationToken = default)
    {
        var path = _paths.Supervisor(supervisorId);
        return Run($"reading {path}", async () =>
        {
            var data = await GetDataOrNullAsync(_client, path, cancellationToken).ConfigureAwait(false);
            return data is null ? null : Records.Decode(SupervisorInfo.Parser, data, path);
        });
    }

    public Task<IReadOnlyDictionary<string, SupervisorInfo>> GetSupervisorsAsync(CancellationToken cancellationToken = default) =>
        Run($"reading {_paths.Supervisors}", async () =>
        {
            var all = await ReadChildrenAsync(_paths.Supervisors, SupervisorInfo.Parser, cancellationToken).ConfigureAwait(false);
            return (IReadOnlyDictionary<string, SupervisorInfo>)all.ToDictionary(kv => kv.Key, kv => kv.Value.Value, StringComparer.Ordinal);
        });

    public Task RegisterNimbusAsync(NimbusSummary summary, CancellationToken cancellationToken = default)
    {
        var id = ClusterPaths.NimbusId(summary);
        return RegisterEphemeralAsync(_paths.Nimbus(id), summary.ToByteArray(), ClusterPaths.Describe("Nimbus", id), cancellationToken);
    }

    public Task<IReadOnlyList<NimbusSummary>> GetNimbusesAsync(CancellationToken cancellationToken = default) =>
        Run($"reading {_paths.Nimbuses}", async () =>
        {
            var all = await ReadChildrenAsync(_paths.Nimbuses, NimbusSummary.Parser, cancellationToken).ConfigureAwait(false);
            return (IReadOnlyList<NimbusSummary>)[.. all.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value.Value)];
        });

    public async Task JoinLeaderElectionAsync(string nimbusId, CancellationToken cancellationToken = default)
    {
        ClusterPaths.CheckId(nimbusId, "Nimbus id");
        LeaderElection election;
        lock (_electionLock)
        {
            if (_election is not null)
            {
                throw new InvalidOperationException($"already in the leader election as '{_election.ParticipantId}'");
            }

            election = new LeaderElection(_client, _paths.LeaderLock, nimbusId, _acl);
            election.LeadershipChanged += OnLeadershipChanged;
            _election = election;
        }

        await election.StartAsync().ConfigureAwait(false);
    }

    public async Task LeaveLeaderElectionAsync()
    {
        LeaderElection? election;
        lock (_electionLock)
        {
            election = _election;
            _election = null;
        }

        if (election is not null)
        {
            // Disposing announces the loss (if leading) before the node goes.
            await election.DisposeAsync().ConfigureAwait(false);
            election.LeadershipChanged -= OnLeadershipChanged;
        }
    }

    public Task WaitForLeadershipAsync(CancellationToken cancellationToken = default)
    {
        lock (_electionLock)
        {
            return _election?.WaitForLeadershipAsync(cancellationToken)
                ?? throw new InvalidOperationException("not in the leader election: call JoinLeaderElectionAsync first");
        }
    }

    public Task<string?> GetLeaderAsync(CancellationToken cancellationToken = default) =>
        Run($"reading {_paths.LeaderLock}", () => _leaderReader.GetLeaderIdAsync(cancellationToken));

    private void OnLeadershipChanged(bool leading)
    {
        _logger.LogInformation("Leadership {Change}", leading ? "gained" : "lost");
        try
        {
            LeadershipChanged?.Invoke(leading);
        }
        catch (Exception ex)
        {
            // The election's loop must survive a subscriber's bug.
            _logger.LogError(ex, "A LeadershipChanged handler threw");
        }
    }

    private async Task<Dictionary<string, Versioned<T>>> ReadChildrenAsync<T>(string parent, MessageParser<T> parser, CancellationToken cancellationToken)
        where T : IMessage<T>
    {
        var names = await ChildrenOrEmptyAsync(parent, cancellationToken).ConfigureAwait(false);

        // Issued together: the client pipelines them on one connection.
        var reads = names.Select(async name =>
        {
            try
            {
                return (name, await _client.GetDataAsync(parent + "/" + name, cancellationToken: cancellationToken).ConfigureAwait(false));
            }
            catch (NoNodeException)
            {
                return (name, (NodeData?)null);
            }
        }).ToList();
        var result = new Dictionary<string, Versioned<T>>(StringComparer.Ordinal);
        foreach (var read in reads)
        {
            var (name, node) = await read.ConfigureAwait(false);
            if (node is null)
            {
                continue;
            }

            try
            {
                result[name] = new Versioned<T>(Records.Decode(parser, node.Data, parent + "/" + name), node.Stat.Version);
            }
            catch (InvalidDataException ex)
            {
                // One bad node must not hide every good one from a scheduler.
                _logger.LogWarning(ex, "Skipping {Path}", parent + "/" + name);
            }
        }

        return result;
    }

    private async Task RegisterEphemeralAsync(string path, byte[] data, string what, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);

        // Remembered first, so that an expiry during the call still re-creates it.
        _ephemerals[path] = data;
        await Run($"registering {what}", async () =>
        {
            await EnsureEphemeralAsync(path, data, cancellationToken).ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
    }

    private async Task RemoveEphemeralAsync(string path, string what, CancellationToken cancellationToken)
    {
        _ephemerals.TryRemove(path, out _);
        await Run($"removing {what}", async () =>
        {
            var stat = await _client.ExistsAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (stat is null || stat.EphemeralOwner != _client.SessionId)
            {
                return true;
            }

            try
            {
                await _client.DeleteAsync(path, stat.Version, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NoNodeException or BadVersionException)
            {
                // Gone, or rewritten by another owner meanwhile: either way no longer ours to delete.
            }

            return true;
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// Makes <paramref name="path"/> an ephemeral node of this session holding <paramref name="data"/>.
    /// A node left by another session is deleted first: it belongs to an earlier run of the same
    /// daemon whose session has not timed out yet, or to our own lost create.
    /// </summary>
    private async Task EnsureEphemeralAsync(string path, byte[] data, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await _client.CreateWithParentsAsync(path, data, _acl, CreateMode.Ephemeral, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (NodeExistsException) when (attempt < 10)
            {
            }

            var stat = await _client.ExistsAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (stat is null)
            {
                continue;
            }

            try
            {
                if (stat.EphemeralOwner == _client.SessionId)
                {
                    await _client.SetDataAsync(path, data, stat.Version, cancellationToken).ConfigureAwait(false);
                    return;
                }

                _logger.LogInformation("Replacing {Path} left by session 0x{Owner:x}", path, stat.EphemeralOwner);
                await _client.DeleteAsync(path, stat.Version, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NoNodeException or BadVersionException)
            {
                // Changed under us: look again.
            }
        }
    }

    private async Task RecreateEphemeralsAsync()
    {
        var token = _stop.Token;
        foreach (var (path, _) in _ephemerals)
        {
            while (!token.IsCancellationRequested && _ephemerals.TryGetValue(path, out var data))
            {
                try
                {
                    await EnsureEphemeralAsync(path, data, token).ConfigureAwait(false);
                    _logger.LogInformation("Re-created {Path} after the session expired", path);
                    break;
                }
                catch (KeeperException ex)
                {
                    _logger.LogWarning(ex, "Re-creating {Path} failed; retrying", path);
                    try
                    {
                        await Task.Delay(RetryDelay, token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
                catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
                {
                    return;
                }
            }
        }
    }
}
