namespace StormSharp.Topology;

/// <summary>A stream a component declares.</summary>
/// <param name="StreamId">The stream's id.</param>
/// <param name="Fields">Its fields.</param>
/// <param name="Direct">Whether only EmitDirect may emit on it.</param>
public sealed record StreamDeclaration(string StreamId, Fields Fields, bool Direct);

/// <summary>A subscription of a bolt to a stream.</summary>
/// <param name="Stream">The stream subscribed to.</param>
/// <param name="Grouping">How its tuples are divided among the bolt's tasks.</param>
public sealed record InputDeclaration(GlobalStreamId Stream, Grouping Grouping);

/// <summary>One spout or bolt of a topology, in the form that travels to the tasks that run it.</summary>
public sealed class ComponentDeclaration
{
    internal ComponentDeclaration(
        string id,
        bool isSpout,
        SerializedObject component,
        int parallelism,
        int numTasks,
        IReadOnlyDictionary<string, object?> config,
        IReadOnlyList<InputDeclaration> inputs,
        IReadOnlyDictionary<string, StreamDeclaration> outputs)
    {
        Id = id;
        IsSpout = isSpout;
        Component = component;
        Parallelism = parallelism;
        NumTasks = numTasks;
        Config = config;
        Inputs = inputs;
        Outputs = outputs;
    }

    /// <summary>The component id.</summary>
    public string Id { get; }

    /// <summary>True for a spout, false for a bolt.</summary>
    public bool IsSpout { get; }

    /// <summary>The component's type and state.</summary>
    public SerializedObject Component { get; }

    /// <summary>The number of executors (threads) that run its tasks.</summary>
    public int Parallelism { get; }

    /// <summary>The number of tasks (at least <see cref="Parallelism"/>; defaults to it).</summary>
    public int NumTasks { get; }

    /// <summary>The component's own configuration (from GetComponentConfiguration and the declarer).</summary>
    public IReadOnlyDictionary<string, object?> Config { get; }

    /// <summary>The streams this bolt subscribes to (empty for a spout).</summary>
    public IReadOnlyList<InputDeclaration> Inputs { get; }

    /// <summary>The streams this component declares, by id.</summary>
    public IReadOnlyDictionary<string, StreamDeclaration> Outputs { get; }
}

/// <summary>A topology as built by <see cref="TopologyBuilder"/>: the graph and how to rebuild each component.</summary>
public sealed class StormTopology
{
    internal StormTopology(IReadOnlyList<ComponentDeclaration> components)
    {
        Components = components;
        var byId = new Dictionary<string, ComponentDeclaration>(StringComparer.Ordinal);
        foreach (var c in components)
        {
            byId.TryAdd(c.Id, c);
        }

        ById = byId;
    }

    /// <summary>Spouts first, then bolts, each in the order they were declared.</summary>
    public IReadOnlyList<ComponentDeclaration> Components { get; }

    /// <summary>The components by id.</summary>
    public IReadOnlyDictionary<string, ComponentDeclaration> ById { get; }

    /// <summary>The spouts.</summary>
    public IEnumerable<ComponentDeclaration> Spouts => Components.Where(c => c.IsSpout);

    /// <summary>The bolts.</summary>
    public IEnumerable<ComponentDeclaration> Bolts => Components.Where(c => !c.IsSpout);
}
