using StormSharp.Topology.State;

namespace StormSharp.Topology.Windowing;

/// <summary>
/// A windowed bolt that also keeps checkpointed state (Storm's <c>IStatefulWindowedBolt</c>). Add it with
/// <see cref="TopologyBuilder.SetBolt(string, IWindowedBolt, int)"/>: the topology then gets a checkpoint spout, as for
/// an <see cref="IStatefulBolt{TState}"/>, and every checkpoint commits the bolt's state with every other stateful
/// bolt's.
/// </summary>
/// <remarks>
/// <para>Without persistence (the default) the windows live in memory only: an input is acked once it has left every
/// window and the checkpoint after that has committed. After a failure the windows start empty and fill again with
/// what the spouts replay (every input not yet acked), so the state is at least once. Such a bolt cannot read from a
/// <see cref="ICheckpointableSpout"/>, whose rewind would not replay what the windows held: the topology is refused.</para>
/// <para>With persistence (<see cref="IsPersistent"/>, <see cref="BaseStatefulWindowedBolt{TState}.WithPersistence"/>)
/// every checkpoint also records what the windows hold, so a recovery gives the bolt its state and its windows as of
/// the same checkpoint. An input is acked as soon as the window holds it, and that ack waits for the next checkpoint to
/// commit, as in Storm's PersistentWindowedBoltExecutor; windows emit unanchored. Fed by checkpointable spouts only,
/// the bolt's state and window results are then exactly once: after a kill the windows fire with the same contents as
/// without it (count windows and event-time windows; processing-time windows depend on the clock). Fed by other
/// spouts, replays make it at least once.</para>
/// </remarks>
/// <typeparam name="TState">The state: <see cref="KeyValueState{TKey, TValue}"/>.</typeparam>
public interface IStatefulWindowedBolt<TState> : IWindowedBolt
    where TState : IState
{
    /// <summary>Whether each checkpoint records the windows' tuples too. Default false.</summary>
    bool IsPersistent => false;

    /// <summary>Hands the bolt its state, as of the last committed checkpoint, before any window fires (and again after a rollback).</summary>
    void InitState(TState state);

    /// <summary>Called before the state is prepared under <paramref name="txid"/>.</summary>
    void PrePrepare(long txid)
    {
    }

    /// <summary>Called before the state is committed under <paramref name="txid"/>.</summary>
    void PreCommit(long txid)
    {
    }

    /// <summary>Called before the state is rolled back.</summary>
    void PreRollback()
    {
    }
}
