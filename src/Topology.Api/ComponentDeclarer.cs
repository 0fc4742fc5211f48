namespace StormSharp.Topology;

/// <summary>Settings common to spouts and bolts being declared.</summary>
public abstract class ComponentDeclarer<T>
    where T : ComponentDeclarer<T>
{
    private protected ComponentDeclarer(TopologyBuilder.Entry entry)
    {
        Entry = entry;
    }

    private protected TopologyBuilder.Entry Entry { get; }

    /// <summary>Runs the component as <paramref name="numTasks"/> tasks (default: its parallelism), spread over its executors.</summary>
    public T SetNumTasks(int numTasks)
    {
        Entry.NumTasks = numTasks;
        return (T)this;
    }

    /// <summary>Sets a configuration key for this component only.</summary>
    public T AddConfiguration(string key, object? value)
    {
        Entry.Config[key] = value;
        return (T)this;
    }

    /// <summary>Sets <c>topology.max.spout.pending</c> for this component.</summary>
    public T SetMaxSpoutPending(int pending) => AddConfiguration(Config.TopologyMaxSpoutPending, pending);

    /// <summary>Sets <c>topology.debug</c> for this component.</summary>
    public T SetDebug(bool debug) => AddConfiguration(Config.TopologyDebug, debug);
}

/// <summary>Declares a spout's settings.</summary>
public sealed class SpoutDeclarer : ComponentDeclarer<SpoutDeclarer>
{
    internal SpoutDeclarer(TopologyBuilder.Entry entry)
        : base(entry)
    {
    }
}

/// <summary>Declares a bolt's settings and the streams it subscribes to.</summary>
public sealed class BoltDeclarer : ComponentDeclarer<BoltDeclarer>
{
    internal BoltDeclarer(TopologyBuilder.Entry entry)
        : base(entry)
    {
    }

    /// <summary>Tuples are spread evenly over this bolt's tasks, favouring the less loaded ones.</summary>
    public BoltDeclarer ShuffleGrouping(string componentId, string streamId = Utils.DefaultStreamId) =>
        Add(componentId, streamId, new Grouping(GroupingType.Shuffle));

    /// <summary>Tuples with equal values of <paramref name="fields"/> go to the same task.</summary>
    public BoltDeclarer FieldsGrouping(string componentId, Fields fields) => FieldsGrouping(componentId, Utils.DefaultStreamId, fields);

    /// <summary>Tuples of <paramref name="streamId"/> with equal values of <paramref name="fields"/> go to the same task.</summary>
    public BoltDeclarer FieldsGrouping(string componentId, string streamId, Fields fields) =>
        Add(componentId, streamId, new Grouping(GroupingType.Fields, fields ?? throw new ArgumentNullException(nameof(fields))));

    /// <summary>Each key goes to the less loaded of two candidate tasks (key-skew tolerant fields grouping).</summary>
    public BoltDeclarer PartialKeyGrouping(string componentId, Fields fields) => PartialKeyGrouping(componentId, Utils.DefaultStreamId, fields);

    /// <summary>Each key of <paramref name="streamId"/> goes to the less loaded of two candidate tasks.</summary>
    public BoltDeclarer PartialKeyGrouping(string componentId, string streamId, Fields fields) =>
        Add(componentId, streamId, new Grouping(GroupingType.PartialKey, fields ?? throw new ArgumentNullException(nameof(fields))));

    /// <summary>Every task receives every tuple.</summary>
    public BoltDeclarer AllGrouping(string componentId, string streamId = Utils.DefaultStreamId) =>
        Add(componentId, streamId, new Grouping(GroupingType.All));

    /// <summary>The lowest-id task receives every tuple.</summary>
    public BoltDeclarer GlobalGrouping(string componentId, string streamId = Utils.DefaultStreamId) =>
        Add(componentId, streamId, new Grouping(GroupingType.Global));

    /// <summary>No preference (currently shuffle).</summary>
    public BoltDeclarer NoneGrouping(string componentId, string streamId = Utils.DefaultStreamId) =>
        Add(componentId, streamId, new Grouping(GroupingType.None));

    /// <summary>The emitter picks the task with EmitDirect; the stream must be declared direct.</summary>
    public BoltDeclarer DirectGrouping(string componentId, string streamId = Utils.DefaultStreamId) =>
        Add(componentId, streamId, new Grouping(GroupingType.Direct));

    /// <summary>Shuffle among this bolt's tasks in the emitter's worker when there are any.</summary>
    public BoltDeclarer LocalOrShuffleGrouping(string componentId, string streamId = Utils.DefaultStreamId) =>
        Add(componentId, streamId, new Grouping(GroupingType.LocalOrShuffle));

    /// <summary>A grouping of your own.</summary>
    public BoltDeclarer CustomGrouping(string componentId, ICustomStreamGrouping grouping) =>
        CustomGrouping(componentId, Utils.DefaultStreamId, grouping);

    /// <summary>A grouping of your own on <paramref name="streamId"/>.</summary>
    public BoltDeclarer CustomGrouping(string componentId, string streamId, ICustomStreamGrouping grouping)
    {
        ArgumentNullException.ThrowIfNull(grouping);
        Entry.Inputs.Add((new GlobalStreamId(componentId, streamId), null, grouping));
        return this;
    }

    private BoltDeclarer Add(string componentId, string streamId, Grouping grouping)
    {
        Entry.Inputs.Add((new GlobalStreamId(componentId, streamId), grouping, null));
        return this;
    }
}
