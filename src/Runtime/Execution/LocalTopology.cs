using System.Diagnostics;
using StormSharp.Runtime.Stats;
using StormSharp.Runtime.Transport;

namespace StormSharp.Runtime.Execution;

/// <summary>
/// A topology running in this process: its definition, an even assignment over <c>topology.workers</c> in-process
/// slots, and a worker per slot, joined by the in-process transport. The workers are the same a worker process runs.
/// </summary>
internal sealed class LocalTopology
{

    public LocalTopology(TopologyDefinition definition, TopologyServices services)
    {
        Definition = definition;
        Services = services;
        var slots = Enumerable.Range(0, definition.Workers).Select(WorkerEndpoint.Local).ToList();
        Assignment = TopologyAssignment.Deal(definition, slots);
        var workers = new List<WorkerRuntime>();
        foreach (var slot in Assignment.Workers)
        {
            var worker = new WorkerRuntime(definition, Assignment, slot, services, Transport);
            Transport.Register(worker);
            workers.Add(worker);
        }

        Workers = workers;
        Executors = [.. workers.SelectMany(w => w.Executors)];
    }

    public TopologyDefinition Definition { get; }

    public TopologyServices Services { get; }

    public TopologyAssignment Assignment { get; }

    public InProcessTransport Transport { get; } = new();

    public IReadOnlyList<WorkerRuntime> Workers { get; }

    public IReadOnlyList<Executor> Executors { get; }

    public void Start()
    {
        foreach (var w in Workers)
        {
            w.Start();
        }
    }

    /// <summary>Stops every executor, every worker's spouts first; returns the components whose executors did not stop in time.</summary>
    public IReadOnlyList<string> Stop(TimeSpan timeout)
    {
        var stuck = new List<string>();
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        foreach (var w in Workers)
        {
            w.StopExecutors(spouts: true, deadline, stuck);
        }

        foreach (var w in Workers)
        {
            w.StopExecutors(spouts: false, deadline, stuck);
        }

        foreach (var w in Workers)
        {
            Transport.Unregister(w.Endpoint);
            w.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        return stuck;
    }

    public TopologyInfo Info() =>
        TopologyStats.Of(Definition, Executors, Services, Services.Active ? "ACTIVE" : "INACTIVE", Workers.Count);
}
