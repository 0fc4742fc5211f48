namespace StormSharp.Topology;

/// <summary>Names the engine reserves, as in Storm.</summary>
public static class Utils
{
    /// <summary>The stream a component emits on when it names none: "default".</summary>
    public const string DefaultStreamId = "default";

    /// <summary>The acker component's id.</summary>
    public const string AckerComponentId = "__acker";

    /// <summary>The system component's id; tick tuples come from it.</summary>
    public const string SystemComponentId = "__system";

    /// <summary>The stream tick tuples arrive on.</summary>
    public const string TickStreamId = "__tick";

    /// <summary>The checkpoint spout's id: it drives the checkpoints of a topology with stateful bolts.</summary>
    public const string CheckpointComponentId = "__checkpointspout";

    /// <summary>The stream checkpoint tuples (txid, action) travel on, from the checkpoint spout through every bolt.</summary>
    public const string CheckpointStreamId = "__checkpoint";

    /// <summary>Whether <paramref name="tuple"/> is a checkpoint tuple (Storm's CheckpointSpout.isCheckpoint).</summary>
    public static bool IsCheckpoint(ITuple tuple)
    {
        ArgumentNullException.ThrowIfNull(tuple);
        return tuple.SourceStreamId == CheckpointStreamId;
    }

    /// <summary>Whether an id is reserved by the engine (it starts with two underscores).</summary>
    public static bool IsReservedId(string id) => id.StartsWith("__", StringComparison.Ordinal);

    /// <summary>Whether <paramref name="tuple"/> is a tick tuple (Storm's TupleUtils.isTick).</summary>
    public static bool IsTick(ITuple tuple)
    {
        ArgumentNullException.ThrowIfNull(tuple);
        return tuple.SourceComponent == SystemComponentId && tuple.SourceStreamId == TickStreamId;
    }
}
