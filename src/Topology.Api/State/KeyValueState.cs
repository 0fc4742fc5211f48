using System.Collections;
using System.Text.Json;

namespace StormSharp.Topology.State;

/// <summary>
/// A checkpointed map (Storm's <c>KeyValueState</c>): reads see every change made so far, and the checkpoint protocol
/// commits them. Keys and values travel to the store as JSON (System.Text.Json), so they must round-trip through it.
/// </summary>
public sealed class KeyValueState<TKey, TValue> : IState, IReloadableState, IEnumerable<KeyValuePair<TKey, TValue>>
    where TKey : notnull
{
    private readonly IStateStore _store;
    private Dictionary<string, string> _committed = new(StringComparer.Ordinal);
    private Dictionary<string, string?> _pending = new(StringComparer.Ordinal);
    private Dictionary<string, string?>? _prepared;
    private long? _preparedTxid;

    internal KeyValueState(IStateStore store)
    {
        _store = store;
        Reload();
    }

    /// <summary>The value of <paramref name="key"/>, or <paramref name="defaultValue"/> when it has none.</summary>
    public TValue? Get(TKey key, TValue? defaultValue = default)
    {
        var k = Encode(key);
        if (_pending.TryGetValue(k, out var v) || (_prepared is not null && _prepared.TryGetValue(k, out v)) || TryCommitted(k, out v))
        {
            return v is null ? defaultValue : JsonSerializer.Deserialize<TValue>(v);
        }

        return defaultValue;
    }

    /// <summary>Sets the value of <paramref name="key"/>.</summary>
    public void Put(TKey key, TValue value) => _pending[Encode(key)] = JsonSerializer.Serialize(value);

    /// <summary>Removes <paramref name="key"/>; returns its value before, or default.</summary>
    public TValue? Delete(TKey key)
    {
        var before = Get(key);
        _pending[Encode(key)] = null;
        return before;
    }

    /// <inheritdoc/>
    public void PrepareCommit(long txid)
    {
        var changes = _prepared is null ? new Dictionary<string, string?>(StringComparer.Ordinal) : new Dictionary<string, string?>(_prepared, StringComparer.Ordinal);
        foreach (var kv in _pending)
        {
            changes[kv.Key] = kv.Value;
        }

        _store.Prepare(txid, changes);
        _prepared = changes;
        _preparedTxid = txid;
        _pending = new Dictionary<string, string?>(StringComparer.Ordinal);
    }

    /// <inheritdoc/>
    public void Commit(long txid)
    {
        _store.Commit(txid);
        if (_prepared is not null && _preparedTxid == txid)
        {
            InMemoryStateProvider.ApplyTo(_committed, _prepared);
            _prepared = null;
            _preparedTxid = null;
        }
    }

    /// <inheritdoc/>
    public void Commit()
    {
        var changes = _prepared is null ? new Dictionary<string, string?>(StringComparer.Ordinal) : new Dictionary<string, string?>(_prepared, StringComparer.Ordinal);
        foreach (var kv in _pending)
        {
            changes[kv.Key] = kv.Value;
        }

        _store.Rollback();
        _store.CommitNow(changes);
        InMemoryStateProvider.ApplyTo(_committed, changes);
        _prepared = null;
        _preparedTxid = null;
        _pending = new Dictionary<string, string?>(StringComparer.Ordinal);
    }

    /// <inheritdoc/>
    public void Rollback()
    {
        _store.Rollback();
        _pending = new Dictionary<string, string?>(StringComparer.Ordinal);
        _prepared = null;
        _preparedTxid = null;
    }

    /// <summary>Every key and value, changes included, in no particular order.</summary>
    public IEnumerator<KeyValuePair<TKey, TValue>> GetEnumerator()
    {
        var merged = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var kv in _committed)
        {
            merged[kv.Key] = kv.Value;
        }

        if (_prepared is not null)
        {
            Apply(merged, _prepared);
        }

        Apply(merged, _pending);
        foreach (var kv in merged)
        {
            if (kv.Value is not null)
            {
                yield return new KeyValuePair<TKey, TValue>(JsonSerializer.Deserialize<TKey>(kv.Key)!, JsonSerializer.Deserialize<TValue>(kv.Value)!);
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Reads the store again: the committed entries, plus a prepared set that is still to be committed or rolled back.</summary>
    void IReloadableState.Reload() => Reload();

    internal void Reload()
    {
        var stored = _store.Load();
        _committed = new Dictionary<string, string>(stored.Committed, StringComparer.Ordinal);
        _prepared = stored.Prepared is null ? null : new Dictionary<string, string?>(stored.Prepared, StringComparer.Ordinal);
        _preparedTxid = stored.PreparedTxid;
        _pending = new Dictionary<string, string?>(StringComparer.Ordinal);
    }

    private bool TryCommitted(string key, out string? value)
    {
        var found = _committed.TryGetValue(key, out var v);
        value = v;
        return found;
    }

    private static string Encode(TKey key) => JsonSerializer.Serialize(key);

    private static void Apply(Dictionary<string, string?> target, IReadOnlyDictionary<string, string?> changes)
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

/// <summary>State that can read its store again (the committed checkpoint and any prepared set).</summary>
internal interface IReloadableState
{
    void Reload();
}
