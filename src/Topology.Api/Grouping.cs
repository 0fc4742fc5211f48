namespace StormSharp.Topology;

/// <summary>How a stream's tuples are divided among the tasks of a subscribing bolt.</summary>
public enum GroupingType
{
    /// <summary>Evenly, weighted away from tasks whose queues are fuller.</summary>
    Shuffle,

    /// <summary>Tuples with equal values of the grouping fields go to the same task, stable across runs.</summary>
    Fields,

    /// <summary>Like fields, but each key has two candidate tasks and the less loaded one is chosen.</summary>
    PartialKey,

    /// <summary>Every task receives every tuple.</summary>
    All,

    /// <summary>The task with the lowest id receives every tuple.</summary>
    Global,

    /// <summary>No preference; currently the same as shuffle.</summary>
    None,

    /// <summary>The emitter chooses the task with EmitDirect; only on streams declared direct.</summary>
    Direct,

    /// <summary>Shuffle among tasks in the emitter's own worker when there are any, otherwise among all.</summary>
    LocalOrShuffle,

    /// <summary>An <see cref="ICustomStreamGrouping"/>.</summary>
    Custom,
}

/// <summary>A subscription's grouping.</summary>
public sealed class Grouping
{
    internal Grouping(GroupingType type, Fields? fields = null, SerializedObject? custom = null)
    {
        Type = type;
        Fields = fields;
        Custom = custom;
    }

    /// <summary>The kind of grouping.</summary>
    public GroupingType Type { get; }

    /// <summary>The grouping fields, for <see cref="GroupingType.Fields"/> and <see cref="GroupingType.PartialKey"/>.</summary>
    public Fields? Fields { get; }

    /// <summary>The custom grouping, shipped as type and state, for <see cref="GroupingType.Custom"/>.</summary>
    public SerializedObject? Custom { get; }

    /// <inheritdoc/>
    public override string ToString() => Fields is null ? Type.ToString() : $"{Type}{Fields}";
}
