namespace StormSharp.Topology.Windowing;

/// <summary>
/// A task that holds tuples in windows, and the engine's wrappers around one: the worker reads the count into the
/// component's stats (<c>heldTuples</c> in the UI's REST API), from its heartbeat thread.
/// </summary>
internal interface IHeldTuplesGauge
{
    /// <summary>Tuples held now; at most a tuple or so stale when read while the task runs.</summary>
    long HeldTuples { get; }
}

/// <summary>Finds the windows inside the engine's wrappers.</summary>
internal static class HeldTuplesGauges
{
    /// <summary>The gauge of the windows <paramref name="component"/> runs (through the checkpoint wrappers), or null when it has none.</summary>
    public static IHeldTuplesGauge? Of(object component) => component switch
    {
        IHeldTuplesGauge g => g,
        State.StatefulBoltExecutor s => Of(s.Bolt),
        State.CheckpointTupleForwarder f => Of(f.Bolt),
        _ => null,
    };
}
