namespace StormSharp.Topology;

/// <summary>What a task knows about itself and the topology it runs in.</summary>
public sealed class TopologyContext
{
    private readonly IReadOnlyDictionary<string, IReadOnlyList<int>> _componentTasks;

    internal TopologyContext(
        StormTopology topology,
        string stormId,
        IReadOnlyDictionary<int, string> taskToComponent,
        int thisTaskId,
        IReadOnlyList<int> thisWorkerTasks,
        int thisWorkerPort)
    {
        Topology = topology;
        StormId = stormId;
        TaskToComponent = taskToComponent;
        ThisTaskId = thisTaskId;
        ThisWorkerTasks = thisWorkerTasks;
        ThisWorkerPort = thisWorkerPort;
        var tasks = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        foreach (var (task, component) in taskToComponent)
        {
            if (!tasks.TryGetValue(component, out var list))
            {
                tasks[component] = list = [];
            }

            list.Add(task);
        }

        _componentTasks = tasks.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<int>)kv.Value.Order().ToArray(), StringComparer.Ordinal);
        ThisComponentId = taskToComponent.TryGetValue(thisTaskId, out var c) ? c : Utils.SystemComponentId;
        var mine = GetComponentTasks(ThisComponentId);
        ThisTaskIndex = Math.Max(0, IndexOf(mine, thisTaskId));
    }

    /// <summary>The topology's graph.</summary>
    public StormTopology Topology { get; }

    /// <summary>The running topology's id (name plus a unique suffix).</summary>
    public string StormId { get; }

    /// <summary>Every task id and the component it runs.</summary>
    public IReadOnlyDictionary<int, string> TaskToComponent { get; }

    /// <summary>This task's id.</summary>
    public int ThisTaskId { get; }

    /// <summary>This task's component.</summary>
    public string ThisComponentId { get; }

    /// <summary>This task's position among its component's tasks, from 0.</summary>
    public int ThisTaskIndex { get; }

    /// <summary>The task ids running in this worker.</summary>
    public IReadOnlyList<int> ThisWorkerTasks { get; }

    /// <summary>This worker's port (0 in local mode).</summary>
    public int ThisWorkerPort { get; }

    /// <summary>The worker's encoding of tuples, for the engine's wrappers that keep tuples across restarts; null outside a worker.</summary>
    internal ITupleCodec? TupleCodec { get; init; }

    /// <summary>The task ids of <paramref name="componentId"/>, ascending; empty for an unknown component.</summary>
    public IReadOnlyList<int> GetComponentTasks(string componentId) =>
        _componentTasks.TryGetValue(componentId, out var t) ? t : [];

    /// <summary>The component a task runs, or null.</summary>
    public string? GetComponentId(int taskId) => TaskToComponent.TryGetValue(taskId, out var c) ? c : null;

    /// <summary>The ids of every component, user and system.</summary>
    public IEnumerable<string> GetComponentIds() => _componentTasks.Keys;

    /// <summary>The fields of <paramref name="componentId"/>'s stream <paramref name="streamId"/>; throws when undeclared.</summary>
    public Fields GetComponentOutputFields(string componentId, string streamId)
    {
        if (Topology.ById.TryGetValue(componentId, out var c) && c.Outputs.TryGetValue(streamId, out var s))
        {
            return s.Fields;
        }

        throw new ArgumentException($"component '{componentId}' declares no stream '{streamId}'");
    }

    /// <summary>The streams this component subscribes to and their groupings.</summary>
    public IReadOnlyList<InputDeclaration> GetThisSources() =>
        Topology.ById.TryGetValue(ThisComponentId, out var c) ? c.Inputs : [];

    /// <summary>For each stream this component declares, the subscribing components and their groupings.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, Grouping>> GetThisTargets()
    {
        var result = new Dictionary<string, IReadOnlyDictionary<string, Grouping>>(StringComparer.Ordinal);
        foreach (var component in Topology.Components)
        {
            foreach (var input in component.Inputs)
            {
                if (input.Stream.ComponentId != ThisComponentId)
                {
                    continue;
                }

                if (!result.TryGetValue(input.Stream.StreamId, out var map))
                {
                    result[input.Stream.StreamId] = map = new Dictionary<string, Grouping>(StringComparer.Ordinal);
                }

                ((Dictionary<string, Grouping>)map)[component.Id] = input.Grouping;
            }
        }

        return result;
    }

    private static int IndexOf(IReadOnlyList<int> list, int value)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] == value)
            {
                return i;
            }
        }

        return -1;
    }
}
