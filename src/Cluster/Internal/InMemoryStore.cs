namespace StormSharp.Cluster.Internal;

/// <summary>
/// The shared "server" behind every <see cref="InMemoryClusterState"/> session: a flat map of
/// znode paths with ZooKeeper's data versions, ephemeral owners and sequential names, a leader
/// queue, and the watch subscriptions to wake. Everything is guarded by one lock; wakes and
/// leadership changes are announced after it is released.
/// </summary>
internal sealed class InMemoryStore
{
    private readonly Lock _lock = new();
    private readonly SortedDictionary<string, Node> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _sequences = new(StringComparer.Ordinal);
    private readonly List<Candidate> _candidates = [];
    private readonly List<(string Parent, ChangeFeed Feed)> _feeds = [];
    private long _lastSession;

    public InMemoryStore(ClusterStateOptions options)
    {
        Options = options;
        Paths = new ClusterPaths(options.Root);
    }

    public ClusterStateOptions Options { get; }

    public ClusterPaths Paths { get; }

    public long NewSession() => Interlocked.Increment(ref _lastSession);

    public (byte[] Data, int Version)? Get(string path)
    {
        lock (_lock)
        {
            return _nodes.TryGetValue(path, out var n) ? (n.Data, n.Version) : null;
        }
    }

    /// <summary>The children of <paramref name="parent"/> with their versions, sorted by name.</summary>
    public List<(string Name, byte[] Data, int Version)> Children(string parent)
    {
        var prefix = parent + "/";
        var result = new List<(string, byte[], int)>();
        lock (_lock)
        {
            foreach (var (path, node) in _nodes.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)))
            {
                var name = path[prefix.Length..];
                if (!name.Contains('/', StringComparison.Ordinal))
                {
                    result.Add((name, node.Data, node.Version));
                }
            }
        }

        return result;
    }

    /// <summary>The paths of every node below <paramref name="prefix"/> (which ends with '/').</summary>
    public List<string> Descendants(string prefix)
    {
        lock (_lock)
        {
            return [.. _nodes.Keys.Where(p => p.StartsWith(prefix, StringComparison.Ordinal))];
        }
    }

    /// <summary>A write with the contract's version semantics; returns the new version, or null on a conflict.</summary>
    public int? Set(string path, byte[] data, int expectedVersion)
    {
        int? version;
        lock (_lock)
        {
            var exists = _nodes.TryGetValue(path, out var node);
            version = (expectedVersion, exists) switch
            {
                (StateVersion.Any, false) or (StateVersion.Absent, false) => Put(path, new Node(data, 0, 0)),
                (StateVersion.Any, true) => Put(path, node! with { Data = data, Version = node.Version + 1 }),
                (_, true) when expectedVersion == node!.Version => Put(path, node with { Data = data, Version = node.Version + 1 }),
                _ => null,
            };
        }

        Wake(path);
        return version;
    }

    /// <summary>Deletes the node if at <paramref name="expectedVersion"/>; false on a conflict. A missing node is fine only for Any.</summary>
    public bool Delete(string path, int expectedVersion)
    {
        lock (_lock)
        {
            if (!_nodes.TryGetValue(path, out var node))
            {
                return expectedVersion is StateVersion.Any or StateVersion.Absent;
            }

            if (expectedVersion >= 0 && node.Version != expectedVersion)
            {
                return false;
            }

            _nodes.Remove(path);
        }

        Wake(path);
        return true;
    }

    /// <summary>Deletes every node at or below each of <paramref name="roots"/> in one step.</summary>
    public void DeleteTrees(params string[] roots)
    {
        lock (_lock)
        {
            foreach (var root in roots)
            {
                var below = root + "/";
                foreach (var path in _nodes.Keys.Where(p => p == root || p.StartsWith(below, StringComparison.Ordinal)).ToList())
                {
                    _nodes.Remove(path);
                }
            }
        }

        foreach (var root in roots)
        {
            Wake(root);
        }
    }

    /// <summary>Adds a sequentially named child and trims the oldest beyond <paramref name="keep"/>.</summary>
    public void AppendCapped(string parent, string prefix, byte[] data, int keep)
    {
        lock (_lock)
        {
            var sequence = _sequences.TryGetValue(parent, out var s) ? s : 0;
            _sequences[parent] = sequence + 1;
            _nodes[$"{parent}/{prefix}{sequence:D10}"] = new Node(data, 0, 0);
            var all = _nodes.Keys.Where(p => p.StartsWith(parent + "/", StringComparison.Ordinal)).OrderBy(p => ClusterPaths.Sequence(p)).ToList();
            for (var i = 0; i < all.Count - keep; i++)
            {
                _nodes.Remove(all[i]);
            }
        }

        Wake(parent);
    }

    /// <summary>Makes the node an ephemeral of <paramref name="session"/>, replacing another session's node of that path.</summary>
    public void PutEphemeral(string path, byte[] data, long session)
    {
        lock (_lock)
        {
            _nodes[path] = _nodes.TryGetValue(path, out var node) && node.Owner == session
                ? node with { Data = data, Version = node.Version + 1 }
                : new Node(data, 0, session);
        }

        Wake(path);
    }

    public void DeleteEphemeral(string path, long session)
    {
        lock (_lock)
        {
            if (!_nodes.TryGetValue(path, out var node) || node.Owner != session)
            {
                return;
            }

            _nodes.Remove(path);
        }

        Wake(path);
    }

    /// <summary>A session ended: its ephemeral nodes and its place in the election go, as on a ZooKeeper server.</summary>
    public void EndSession(long session)
    {
        List<string> removed;
        List<InMemoryClusterState> affected;
        lock (_lock)
        {
            removed = [.. _nodes.Where(kv => kv.Value.Owner == session).Select(kv => kv.Key)];
            foreach (var path in removed)
            {
                _nodes.Remove(path);
            }

            affected = [.. _candidates.Select(c => c.State)];
            _candidates.RemoveAll(c => c.Session == session);
        }

        foreach (var path in removed)
        {
            Wake(path);
        }

        Reconcile(affected);
    }

    public void AddCandidate(string id, long session, InMemoryClusterState state)
    {
        List<InMemoryClusterState> affected;
        lock (_lock)
        {
            _candidates.Add(new Candidate(id, session, state));
            affected = [.. _candidates.Select(c => c.State)];
        }

        Reconcile(affected);
    }

    public void RemoveCandidate(long session)
    {
        List<InMemoryClusterState> affected;
        lock (_lock)
        {
            affected = [.. _candidates.Select(c => c.State)];
            _candidates.RemoveAll(c => c.Session == session);
        }

        Reconcile(affected);
    }

    public bool Leads(long session)
    {
        lock (_lock)
        {
            return _candidates.Count > 0 && _candidates[0].Session == session;
        }
    }

    public string? Leader()
    {
        lock (_lock)
        {
            return _candidates.Count > 0 ? _candidates[0].Id : null;
        }
    }

    /// <summary>Subscribes <paramref name="feed"/> to changes of the children of <paramref name="parent"/> (and their data).</summary>
    public void AddFeed(string parent, ChangeFeed feed)
    {
        lock (_lock)
        {
            _feeds.Add((parent, feed));
        }
    }

    public void RemoveFeed(ChangeFeed feed)
    {
        lock (_lock)
        {
            _feeds.RemoveAll(f => f.Feed == feed);
        }
    }

    private int Put(string path, Node node)
    {
        _nodes[path] = node;
        return node.Version;
    }

    private void Wake(string path)
    {
        List<ChangeFeed> toWake;
        lock (_lock)
        {
            toWake = [.. _feeds.Where(f => path == f.Parent || path.StartsWith(f.Parent + "/", StringComparison.Ordinal)).Select(f => f.Feed)];
        }

        foreach (var feed in toWake)
        {
            feed.Wake();
        }
    }

    private static void Reconcile(List<InMemoryClusterState> states)
    {
        // Each session re-derives its own role from the queue, so announcements racing from two
        // threads still end in the queue's current truth.
        foreach (var state in states)
        {
            state.ReconcileLeadership();
        }
    }

    private sealed record Node(byte[] Data, int Version, long Owner);

    private sealed record Candidate(string Id, long Session, InMemoryClusterState State);
}
