using System.Collections.Concurrent;

namespace StormSharp.Topology.State;

/// <summary>
/// State kept in this process's memory (<c>topology.state.provider: memory</c>, the default): it survives tasks being
/// torn down and a topology being killed and submitted again under the same name in the same process, not the
/// process. For tests and <c>storm local</c>.
/// </summary>
public sealed class InMemoryStateProvider : IStateProvider
{
    private static readonly ConcurrentDictionary<string, Store> Stores = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public IStateStore Open(string topologyName, string ns, IReadOnlyDictionary<string, object?> conf) =>
        Stores.GetOrAdd(topologyName + "/" + ns, _ => new Store());

    /// <summary>Forgets every namespace of <paramref name="topologyName"/>.</summary>
    public static void Clear(string topologyName)
    {
        foreach (var key in Stores.Keys)
        {
            if (key.StartsWith(topologyName + "/", StringComparison.Ordinal))
            {
                Stores.TryRemove(key, out _);
            }
        }
    }

    private sealed class Store : IStateStore
    {
        private readonly object _gate = new();
        private Dictionary<string, string> _committed = new(StringComparer.Ordinal);
        private long _committedTxid = -1;
        private long? _preparedTxid;
        private Dictionary<string, string?>? _prepared;

        public StoredState Load()
        {
            lock (_gate)
            {
                return new StoredState(
                    new Dictionary<string, string>(_committed, StringComparer.Ordinal),
                    _committedTxid,
                    _preparedTxid,
                    _prepared is null ? null : new Dictionary<string, string?>(_prepared, StringComparer.Ordinal));
            }
        }

        public void Prepare(long txid, IReadOnlyDictionary<string, string?> changes)
        {
            lock (_gate)
            {
                _prepared = new Dictionary<string, string?>(changes, StringComparer.Ordinal);
                _preparedTxid = txid;
            }
        }

        public void Commit(long txid)
        {
            lock (_gate)
            {
                if (_preparedTxid != txid)
                {
                    if (txid <= _committedTxid)
                    {
                        return;
                    }

                    throw new InvalidOperationException($"commit of checkpoint {txid}, but {(_preparedTxid is null ? "none" : _preparedTxid.ToString())} is prepared");
                }

                // Readers see the old map or the new one, never a mix: the new one is built aside and swapped in.
                var next = new Dictionary<string, string>(_committed, StringComparer.Ordinal);
                ApplyTo(next, _prepared!);
                _committed = next;
                _committedTxid = txid;
                _prepared = null;
                _preparedTxid = null;
            }
        }

        public void CommitNow(IReadOnlyDictionary<string, string?> changes)
        {
            lock (_gate)
            {
                var next = new Dictionary<string, string>(_committed, StringComparer.Ordinal);
                ApplyTo(next, changes);
                _committed = next;
            }
        }

        public void Rollback()
        {
            lock (_gate)
            {
                _prepared = null;
                _preparedTxid = null;
            }
        }

        public void Dispose()
        {
        }
    }

    internal static void ApplyTo(Dictionary<string, string> target, IReadOnlyDictionary<string, string?> changes)
    {
        foreach (var kv in changes)
        {
            if (kv.Value is null)
            {
                target.Remove(kv.Key);
            }
            else
            {
                target[kv.Key] = kv.Value;
            }
        }
    }
}
