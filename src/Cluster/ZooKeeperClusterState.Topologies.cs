using Google.Protobuf;
using StormSharp.Cluster.Internal;
using StormSharp.ZooKeeper;

namespace StormSharp.Cluster;

public sealed partial class ZooKeeperClusterState
{
    public Task<int> SetStormBaseAsync(string topologyId, StormBase value, int expectedVersion = StateVersion.Any, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        return SetRecordAsync(_paths.Storm(topologyId), value.ToByteArray(), expectedVersion, ClusterPaths.Describe("storm base", topologyId), cancellationToken);
    }

    public Task<Versioned<StormBase>?> GetStormBaseAsync(string topologyId, CancellationToken cancellationToken = default) =>
        GetRecordAsync(_paths.Storm(topologyId), StormBase.Parser, cancellationToken);

    public Task<IReadOnlyList<string>> GetActiveStormsAsync(CancellationToken cancellationToken = default) =>
        Run($"listing {_paths.Storms}", async () => (IReadOnlyList<string>)Sorted(await ChildrenOrEmptyAsync(_paths.Storms, cancellationToken).ConfigureAwait(false)));

    public Task<int> SetAssignmentAsync(string topologyId, Assignment value, int expectedVersion = StateVersion.Any, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        return SetRecordAsync(_paths.Assignment(topologyId), value.ToByteArray(), expectedVersion, ClusterPaths.Describe("assignment", topologyId), cancellationToken);
    }

    public Task<Versioned<Assignment>?> GetAssignmentAsync(string topologyId, CancellationToken cancellationToken = default) =>
        GetRecordAsync(_paths.Assignment(topologyId), Assignment.Parser, cancellationToken);

    public Task<IReadOnlyDictionary<string, Versioned<Assignment>>> GetAssignmentsAsync(CancellationToken cancellationToken = default) =>
        Run($"reading {_paths.Assignments}", async () =>
            (IReadOnlyDictionary<string, Versioned<Assignment>>)await ReadChildrenAsync(_paths.Assignments, Assignment.Parser, cancellationToken).ConfigureAwait(false));

    public Task RemoveAssignmentAsync(string topologyId, int expectedVersion = StateVersion.Any, CancellationToken cancellationToken = default)
    {
        var path = _paths.Assignment(topologyId);
        Records.CheckExpectedVersion(expectedVersion);
        var what = ClusterPaths.Describe("assignment", topologyId);
        return Run($"removing {what}", async () =>
        {
            try
            {
                await _client.DeleteAsync(path, expectedVersion == StateVersion.Absent ? StateVersion.Any : expectedVersion, cancellationToken).ConfigureAwait(false);
            }
            catch (NoNodeException) when (expectedVersion is StateVersion.Any or StateVersion.Absent)
            {
            }
            catch (Exception ex) when (ex is BadVersionException or NoNodeException)
            {
                throw new ClusterStateConflictException(what, expectedVersion, ex);
            }

            return true;
        });
    }

    public Task RemoveTopologyAsync(string topologyId, CancellationToken cancellationToken = default)
    {
        var storm = _paths.Storm(topologyId);
        var assignment = _paths.Assignment(topologyId);
        return Run($"removing topology '{topologyId}'", async () =>
        {
            await DeleteAtomicallyAsync(
                async () =>
                {
                    var ops = await ErrorDeletesAsync(topologyId, cancellationToken).ConfigureAwait(false);
                    foreach (var path in new[] { assignment, storm })
                    {
                        if (await _client.ExistsAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false) is not null)
                        {
                            ops.Add(Op.Delete(path));
                        }
                    }

                    return ops;
                },
                cancellationToken).ConfigureAwait(false);
            return true;
        });
    }

    public Task ReportErrorAsync(string topologyId, ErrorInfo error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(error);
        var parent = _paths.ComponentErrors(topologyId, error.Component);
        return Run($"reporting an error of '{topologyId}'", async () =>
        {
            await _client.CreateWithParentsAsync(parent + "/" + ClusterPaths.ErrorPrefix, error.ToByteArray(), _acl, CreateMode.PersistentSequential, cancellationToken).ConfigureAwait(false);
            var names = await ChildrenOrEmptyAsync(parent, cancellationToken).ConfigureAwait(false);
            var oldestFirst = names.OrderBy(ClusterPaths.Sequence).ToList();
            for (var i = 0; i < oldestFirst.Count - _options.MaxErrorsPerComponent; i++)
            {
                try
                {
                    await _client.DeleteAsync(parent + "/" + oldestFirst[i], cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                catch (NoNodeException)
                {
                    // A concurrent reporter trimmed it already.
                }
            }

            return true;
        });
    }

    public Task<IReadOnlyList<ErrorInfo>> GetErrorsAsync(string topologyId, string component, CancellationToken cancellationToken = default)
    {
        var parent = _paths.ComponentErrors(topologyId, component);
        return Run($"reading {parent}", async () =>
        {
            var names = await ChildrenOrEmptyAsync(parent, cancellationToken).ConfigureAwait(false);
            var newestFirst = names.OrderByDescending(ClusterPaths.Sequence).Select(n => parent + "/" + n).ToList();
            var reads = newestFirst.Select(p => GetDataOrNullAsync(_client, p, cancellationToken)).ToList();
            var errors = new List<ErrorInfo>(reads.Count);
            for (var i = 0; i < reads.Count; i++)
            {
                if (await reads[i].ConfigureAwait(false) is { } data)
                {
                    errors.Add(Records.Decode(ErrorInfo.Parser, data, newestFirst[i]));
                }
            }

            return (IReadOnlyList<ErrorInfo>)errors;
        });
    }

    public Task RemoveErrorsAsync(string topologyId, CancellationToken cancellationToken = default)
    {
        _ = _paths.TopologyErrors(topologyId);
        return Run($"removing the errors of '{topologyId}'", async () =>
        {
            await DeleteAtomicallyAsync(() => ErrorDeletesAsync(topologyId, cancellationToken), cancellationToken).ConfigureAwait(false);
            return true;
        });
    }

    public Task AddBlobHolderAsync(string key, string nimbusId, CancellationToken cancellationToken = default)
    {
        var path = _paths.BlobHolder(key, nimbusId);
        return Run($"recording {path}", async () =>
        {
            try
            {
                await _client.CreateWithParentsAsync(path, ReadOnlyMemory<byte>.Empty, _acl, CreateMode.Persistent, cancellationToken).ConfigureAwait(false);
            }
            catch (NodeExistsException)
            {
            }

            return true;
        });
    }

    public Task<IReadOnlyList<string>> GetBlobHoldersAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = _paths.Blob(key);
        return Run($"listing {path}", async () => (IReadOnlyList<string>)Sorted(await ChildrenOrEmptyAsync(path, cancellationToken).ConfigureAwait(false)));
    }

    public Task<IReadOnlyList<string>> GetBlobKeysAsync(CancellationToken cancellationToken = default) =>
        Run($"listing {_paths.Blobstore}", async () => (IReadOnlyList<string>)Sorted(await ChildrenOrEmptyAsync(_paths.Blobstore, cancellationToken).ConfigureAwait(false)));

    public Task RemoveBlobAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = _paths.Blob(key);
        return Run($"removing {path}", async () =>
        {
            await DeleteAtomicallyAsync(
                async () =>
                {
                    var holders = await ChildrenOrEmptyAsync(path, cancellationToken).ConfigureAwait(false);
                    var ops = holders.Select(h => Op.Delete(path + "/" + h)).ToList();
                    if (holders.Count > 0 || await _client.ExistsAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false) is not null)
                    {
                        ops.Add(Op.Delete(path));
                    }

                    return ops;
                },
                cancellationToken).ConfigureAwait(false);
            return true;
        });
    }

    private async Task<int> SetRecordAsync(string path, byte[] data, int expectedVersion, string what, CancellationToken cancellationToken)
    {
        Records.CheckExpectedVersion(expectedVersion);
        return await Run($"writing {what}", async () =>
        {
            try
            {
                switch (expectedVersion)
                {
                    case StateVersion.Absent:
                        await _client.CreateWithParentsAsync(path, data, _acl, CreateMode.Persistent, cancellationToken).ConfigureAwait(false);
                        return 0;
                    case StateVersion.Any:
                        while (true)
                        {
                            try
                            {
                                return (await _client.SetDataAsync(path, data, StateVersion.Any, cancellationToken).ConfigureAwait(false)).Version;
                            }
                            catch (NoNodeException)
                            {
                            }

                            try
                            {
                                await _client.CreateWithParentsAsync(path, data, _acl, CreateMode.Persistent, cancellationToken).ConfigureAwait(false);
                                return 0;
                            }
                            catch (NodeExistsException)
                            {
                                // Created concurrently: overwrite it, as Any asks.
                            }
                        }

                    default:
                        return (await _client.SetDataAsync(path, data, expectedVersion, cancellationToken).ConfigureAwait(false)).Version;
                }
            }
            catch (Exception ex) when (ex is BadVersionException or NodeExistsException or NoNodeException)
            {
                throw new ClusterStateConflictException(what, expectedVersion, ex);
            }
        }).ConfigureAwait(false);
    }

    private Task<Versioned<T>?> GetRecordAsync<T>(string path, MessageParser<T> parser, CancellationToken cancellationToken)
        where T : IMessage<T> =>
        Run($"reading {path}", async () =>
        {
            try
            {
                var node = await _client.GetDataAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false);
                return new Versioned<T>(Records.Decode(parser, node.Data, path), node.Stat.Version);
            }
            catch (NoNodeException)
            {
                return null;
            }
        });

    /// <summary>The deletes of every error node of the topology, children before parents.</summary>
    private async Task<List<Op>> ErrorDeletesAsync(string topologyId, CancellationToken cancellationToken)
    {
        var root = _paths.TopologyErrors(topologyId);
        var ops = new List<Op>();
        var components = await ChildrenOrEmptyAsync(root, cancellationToken).ConfigureAwait(false);
        foreach (var component in components)
        {
            var parent = root + "/" + component;
            foreach (var error in await ChildrenOrEmptyAsync(parent, cancellationToken).ConfigureAwait(false))
            {
                ops.Add(Op.Delete(parent + "/" + error));
            }

            ops.Add(Op.Delete(parent));
        }

        if (components.Count > 0 || await _client.ExistsAsync(root, cancellationToken: cancellationToken).ConfigureAwait(false) is not null)
        {
            ops.Add(Op.Delete(root));
        }

        return ops;
    }

    /// <summary>
    /// Deletes a listed subtree in one multi-op. A node added or removed between the listing and the
    /// multi makes it fail as a whole (nothing applied), so it is listed again and retried.
    /// </summary>
    private async Task DeleteAtomicallyAsync(Func<Task<List<Op>>> collect, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var ops = await collect().ConfigureAwait(false);
            if (ops.Count == 0)
            {
                return;
            }

            try
            {
                await _client.MultiAsync(ops, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when ((ex is NotEmptyException or NoNodeException) && attempt < 10)
            {
            }
        }
    }
}
