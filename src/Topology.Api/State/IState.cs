namespace StormSharp.Topology.State;

/// <summary>
/// State a stateful bolt keeps across failures (Storm's <c>State</c>), checkpointed by the topology's checkpoint
/// protocol: changes since the last checkpoint are prepared under a transaction id, then committed or rolled back
/// together with every other stateful bolt's.
/// </summary>
public interface IState
{
    /// <summary>Saves the changes made since the last prepare under <paramref name="txid"/>, without making them the committed state.</summary>
    void PrepareCommit(long txid);

    /// <summary>Makes the changes prepared under <paramref name="txid"/> the committed state, atomically.</summary>
    void Commit(long txid);

    /// <summary>Commits every change made so far at once, outside the checkpoint protocol.</summary>
    void Commit();

    /// <summary>Drops every change since the last commit: the state is the committed one again.</summary>
    void Rollback();
}
