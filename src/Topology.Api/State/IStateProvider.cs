namespace StormSharp.Topology.State;

/// <summary>
/// Where checkpointed state lives, chosen by <c>topology.state.provider</c>. A provider opens one store per namespace
/// (a task of a component). Implementations need a public parameterless constructor.
/// </summary>
public interface IStateProvider
{
    /// <summary>Opens the store of <paramref name="ns"/> in topology <paramref name="topologyName"/>.</summary>
    IStateStore Open(string topologyName, string ns, IReadOnlyDictionary<string, object?> conf);
}

/// <summary>
/// One namespace's entries (strings to strings) with a two-phase commit: at most one prepared change set beside the
/// committed entries. <see cref="Commit(long)"/> must apply a prepared set all at once or not at all, so that no
/// reader ever sees a checkpoint half committed; prepared and committed sets must survive what the provider promises
/// to survive (nothing, a process, a host).
/// </summary>
public interface IStateStore : IDisposable
{
    /// <summary>The committed entries and any prepared change set.</summary>
    StoredState Load();

    /// <summary>Replaces any prepared change set by <paramref name="changes"/> (a null value deletes its key) under <paramref name="txid"/>.</summary>
    void Prepare(long txid, IReadOnlyDictionary<string, string?> changes);

    /// <summary>Applies the change set prepared under <paramref name="txid"/> atomically; a no-op when <paramref name="txid"/> is already committed.</summary>
    void Commit(long txid);

    /// <summary>Applies <paramref name="changes"/> to the committed entries atomically, outside any checkpoint (the committed txid stays).</summary>
    void CommitNow(IReadOnlyDictionary<string, string?> changes);

    /// <summary>Drops the prepared change set, if any.</summary>
    void Rollback();
}

/// <summary>What a store holds: committed entries as of <see cref="CommittedTxid"/> (-1 for none), and a prepared change set or none.</summary>
public sealed record StoredState(
    IReadOnlyDictionary<string, string> Committed,
    long CommittedTxid,
    long? PreparedTxid,
    IReadOnlyDictionary<string, string?>? Prepared)
{
    /// <summary>Nothing stored yet.</summary>
    public static StoredState Empty { get; } = new(new Dictionary<string, string>(StringComparer.Ordinal), -1, null, null);
}
