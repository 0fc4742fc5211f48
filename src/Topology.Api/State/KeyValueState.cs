using System.Collections;
using System.Text.Json;

namespace StormSharp.Topology.State;

/// <summary>
/// A checkpointed map (Storm's <c>KeyValueState</c>): reads see every change made so far, and the checkpoint protocol
/// commits them. Keys and values travel to the store as JSON (System.Text.Json), so they must round-trip through it;
/// keys must also compare equal when their JSON is equal (strings, numbers, records of those).
/// </summary>
/// <remarks>
/// Changes since the last prepare are kept as objects and encoded once per checkpoint, not per call, and committed
/// entries are decoded once when first read, so Get and Put cost a dictionary lookup.
/// </remarks>
public sealed class KeyValueState<TKey, TValue> : IState, IReloadableState, IEnumerable<KeyValuePair<TKey, TValue>>
    where TKey : notnull
{
    private readonly IStateStore _store;
    private Dictionary<string, string> _committed = new(StringComparer.Ordinal);
    private Dictionary<TKey, Entry> _decoded = [];
    private Dictionary<TKey, Entry> _pending = [];
    private Dictionary<TKey, Entry>? _prepared;
    private long? _preparedTxid;

    internal KeyValueState(IStateStore store)
    {
        _store = store;
        Reload();
    }

    /// <summary>The value of <paramref name="key"/>, or <paramref name="defaultValue"/> when it has none.</summary>
    public TValue? Get(TKey key, TValue? defaultValue = default)
    {
        if (_pending.TryGetValue(key, out var e) || (_prepared is not null && _prepared.TryGetValue(key, out e)) || TryCommitted(key, out e))
        {
            return e.Deleted ? defaultValue : e.Value;
        }

        return defaultValue;
    }

    /// <summary>Sets the value of <paramref name="key"/>.</summary>
    public void Put(TKey key, TValue value) => _pending[key] = new Entry(false, value);

    /// <summary>Removes <paramref name="key"/>; returns its value before, or default.</summary>
    public TValue? Delete(TKey key)
    {
        var before = Get(key);
        _pending[key] = new Entry(true, default);
        return before;
    }

    /// <inheritdoc/>
    public void PrepareCommit(long txid)
    {
        var changes = MergedChanges();
        _store.Prepare(txid, Encode(changes));
        _prepared = changes;
        _preparedTxid = txid;
        _pending = [];
    }

    /// <inheritdoc/>
    public void Commit(long txid)
    {
        _store.Commit(txid);
        if (_prepared is not null && _preparedTxid == txid)
        {
            ApplyCommitted(_prepared);
            _prepared = null;
            _preparedTxid = null;
        }
    }

    /// <inheritdoc/>
    public void Commit()
    {
        var changes = MergedChanges();
        _store.Rollback();
        _store.CommitNow(Encode(changes));
        ApplyCommitted(changes);
        _prepared = null;
        _preparedTxid = null;
        _pending = [];
    }

    /// <inheritdoc/>
    public void Rollback()
    {
        _store.Rollback();
        _pending = [];
        _prepared = null;
        _preparedTxid = null;
    }

    /// <summary>Every key and value, changes included, in no particular order.</summary>
    public IEnumerator<KeyValuePair<TKey, TValue>> GetEnumerator()
    {
        var merged = new Dictionary<TKey, Entry>();
        foreach (var k in _committed.Keys)
        {
            var key = JsonSerializer.Deserialize<TKey>(k)!;
            if (TryCommitted(key, out var e))
            {
                merged[key] = e;
            }
        }

        if (_prepared is not null)
        {
            foreach (var kv in _prepared)
            {
                merged[kv.Key] = kv.Value;
            }
        }

        foreach (var kv in _pending)
        {
            merged[kv.Key] = kv.Value;
        }

        foreach (var kv in merged)
        {
            if (!kv.Value.Deleted)
            {
                yield return new KeyValuePair<TKey, TValue>(kv.Key, kv.Value.Value!);
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    void IReloadableState.Reload() => Reload();

    /// <summary>Reads the store again: the committed entries, plus a prepared set that is still to be committed or rolled back.</summary>
    internal void Reload()
    {
        var stored = _store.Load();
        _committed = new Dictionary<string, string>(stored.Committed, StringComparer.Ordinal);
        _decoded = [];
        _prepared = null;
        if (stored.Prepared is not null)
        {
            _prepared = [];
            foreach (var kv in stored.Prepared)
            {
                _prepared[JsonSerializer.Deserialize<TKey>(kv.Key)!] = kv.Value is null ? new Entry(true, default) : new Entry(false, JsonSerializer.Deserialize<TValue>(kv.Value));
            }
        }

        _preparedTxid = stored.PreparedTxid;
        _pending = [];
    }

    private bool TryCommitted(TKey key, out Entry entry)
    {
        if (_decoded.TryGetValue(key, out entry))
        {
            return !entry.Deleted;
        }

        if (_committed.TryGetValue(JsonSerializer.Serialize(key), out var v))
        {
            entry = new Entry(false, JsonSerializer.Deserialize<TValue>(v));
            _decoded[key] = entry;
            return true;
        }

        _decoded[key] = entry = new Entry(true, default); // absent: remembered too, so a miss is decoded once
        return false;
    }

    private Dictionary<TKey, Entry> MergedChanges()
    {
        var changes = _prepared is null ? new Dictionary<TKey, Entry>() : new Dictionary<TKey, Entry>(_prepared);
        foreach (var kv in _pending)
        {
            changes[kv.Key] = kv.Value;
        }

        return changes;
    }

    private void ApplyCommitted(Dictionary<TKey, Entry> changes)
    {
        foreach (var kv in changes)
        {
            var k = JsonSerializer.Serialize(kv.Key);
            if (kv.Value.Deleted)
            {
                _committed.Remove(k);
            }
            else
            {
                _committed[k] = JsonSerializer.Serialize(kv.Value.Value);
            }

            _decoded[kv.Key] = kv.Value;
        }
    }

    private static Dictionary<string, string?> Encode(Dictionary<TKey, Entry> changes)
    {
        var encoded = new Dictionary<string, string?>(changes.Count, StringComparer.Ordinal);
        foreach (var kv in changes)
        {
            encoded[JsonSerializer.Serialize(kv.Key)] = kv.Value.Deleted ? null : JsonSerializer.Serialize(kv.Value.Value);
        }

        return encoded;
    }

    private readonly record struct Entry(bool Deleted, TValue? Value);
}

/// <summary>State that can read its store again (the committed checkpoint and any prepared set).</summary>
internal interface IReloadableState
{
    void Reload();
}
