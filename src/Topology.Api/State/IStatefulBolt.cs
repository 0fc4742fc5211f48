namespace StormSharp.Topology.State;

/// <summary>
/// A bolt whose state is checkpointed (Storm's <c>IStatefulBolt</c>). Add it with
/// <see cref="TopologyBuilder.SetStatefulBolt{TState}(string, IStatefulBolt{TState}, int)"/>: the topology then gets a
/// checkpoint spout, and every checkpoint (<c>topology.state.checkpoint.interval.ms</c>) commits the state of every
/// stateful bolt or of none. The bolt's acks are held until the checkpoint that covers them commits, so a tuple whose
/// effect is lost with a rolled-back checkpoint is replayed.
/// </summary>
/// <typeparam name="TState">The state: <see cref="KeyValueState{TKey, TValue}"/>.</typeparam>
public interface IStatefulBolt<TState> : IRichBolt
    where TState : IState
{
    /// <summary>Hands the bolt its state, as of the last committed checkpoint, before any tuple reaches it (and again after a rollback).</summary>
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

/// <summary>A stateful bolt with an empty Cleanup (Storm's <c>BaseStatefulBolt</c>).</summary>
public abstract class BaseStatefulBolt<TState> : BaseRichBolt, IStatefulBolt<TState>
    where TState : IState
{
    /// <inheritdoc/>
    public abstract void InitState(TState state);

    /// <inheritdoc/>
    public virtual void PrePrepare(long txid)
    {
    }

    /// <inheritdoc/>
    public virtual void PreCommit(long txid)
    {
    }

    /// <inheritdoc/>
    public virtual void PreRollback()
    {
    }
}

/// <summary>
/// A spout that can be rewound to a position it reported (a file offset, Kafka offsets): with it, a topology's
/// checkpoints record every spout task's position beside the bolts' state, and recovery restores both together, so
/// state is updated exactly once per input. Its tuples' individual failures are not replayed by the spout; a failed
/// checkpoint rewinds every checkpointable spout instead.
/// </summary>
public interface ICheckpointableSpout : IRichSpout
{
    /// <summary>
    /// Whether this spout, as configured, takes part in checkpoints (true unless overridden). A spout that never
    /// replays, such as an at-most-once Kafka spout, says false: the topology then treats it as a plain spout, whose
    /// position is not recorded and which is never rewound.
    /// </summary>
    bool IsCheckpointable => true;

    /// <summary>Where the spout is: everything emitted so far is before it. Null for the beginning.</summary>
    string? GetPosition();

    /// <summary>Goes back (or forward) to <paramref name="position"/> (null: the beginning); the next tuples emitted are those after it.</summary>
    void Seek(string? position);

    /// <summary>
    /// Called when a checkpoint that recorded <paramref name="position"/> (a value <see cref="GetPosition"/> returned,
    /// or the one <see cref="Seek"/> was given) is known to be committed by every stateful bolt: no recovery rewinds this
    /// task before it any more, so the spout may tell its source that the input before it is done (a Kafka spout commits
    /// those offsets to its consumer group). Nothing by default.
    /// </summary>
    void CheckpointCommitted(string? position)
    {
    }
}
