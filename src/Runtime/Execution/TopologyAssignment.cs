namespace StormSharp.Runtime.Execution;

/// <summary>
/// The scheduler's decision for one topology: which worker runs each executor (keyed by the executor's first
/// task, as Storm keys its assignments by task range). Given to workers from outside: by Nimbus in a cluster,
/// by <see cref="Deal"/> over in-process slots in local mode.
/// </summary>
internal sealed class TopologyAssignment
{
    private readonly Dictionary<int, WorkerEndpoint> _workerOfExecutor;

    public TopologyAssignment(IReadOnlyDictionary<int, WorkerEndpoint> workerOfExecutor)
    {
        _workerOfExecutor = new Dictionary<int, WorkerEndpoint>(workerOfExecutor);
        Workers = [.. _workerOfExecutor.Values.Distinct().OrderBy(w => w.Host, StringComparer.Ordinal).ThenBy(w => w.Port)];
    }

    /// <summary>The workers that run at least one executor.</summary>
    public IReadOnlyList<WorkerEndpoint> Workers { get; }

    /// <summary>Storm's even scheduler: executors in definition order (spouts first, acker last) dealt over the slots in turn.</summary>
    public static TopologyAssignment Deal(TopologyDefinition definition, IReadOnlyList<WorkerEndpoint> slots)
    {
        if (slots.Count == 0)
        {
            throw new ArgumentException("no worker slot to assign executors to", nameof(slots));
        }

        var map = new Dictionary<int, WorkerEndpoint>();
        for (var i = 0; i < definition.Executors.Count; i++)
        {
            map[definition.Executors[i].FirstTask] = slots[i % slots.Count];
        }

        return new TopologyAssignment(map);
    }

    /// <summary>The worker of <paramref name="executor"/>; throws naming it when the assignment leaves it out.</summary>
    public WorkerEndpoint WorkerOf(ExecutorSpec executor) =>
        _workerOfExecutor.TryGetValue(executor.FirstTask, out var w)
            ? w
            : throw new InvalidOperationException($"the assignment gives no worker to the executor of '{executor.ComponentId}' (tasks {executor.Tasks[0]}-{executor.Tasks[^1]})");

    public bool TryGetWorkerOf(ExecutorSpec executor, out WorkerEndpoint worker) => _workerOfExecutor.TryGetValue(executor.FirstTask, out worker);
}
