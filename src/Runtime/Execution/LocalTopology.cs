using System.Diagnostics;
using StormSharp.Runtime.Stats;
using StormSharp.Runtime.Transport;

namespace StormSharp.Runtime.Execution;

/// <summary>A topology running in this process: its plan and its <c>topology.workers</c> workers, joined in-process.</summary>
internal sealed class LocalTopology
{
    public LocalTopology(TopologyPlan plan)
    {
        Plan = plan;
        var transport = new InProcessTransport(plan);
        var workers = new List<WorkerRuntime>();
        for (var w = 0; w < plan.Workers; w++)
        {
            var worker = new WorkerRuntime(plan, w, transport);
            transport.Register(worker);
            workers.Add(worker);
        }

        foreach (var w in workers)
        {
            w.Connect();
        }

        Workers = workers;
        Executors = [.. workers.SelectMany(w => w.Executors)];
    }

    public TopologyPlan Plan { get; }

    public IReadOnlyList<WorkerRuntime> Workers { get; }

    public IReadOnlyList<Executor> Executors { get; }

    public void Start()
    {
        foreach (var w in Workers)
        {
            w.Start();
        }
    }

    public void SetActive(bool active)
    {
        Plan.Active = active;
        foreach (var w in Workers)
        {
            w.WakeAll();
        }
    }

    /// <summary>Stops every executor, spouts first; returns the components whose executors did not stop in time.</summary>
    public IReadOnlyList<string> Stop(TimeSpan timeout)
    {
        var stuck = new List<string>();
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        foreach (var e in Executors.OrderBy(e => e.IsSpout ? 0 : 1))
        {
            var left = TimeSpan.FromSeconds(Math.Max(0.05, (double)(deadline - Stopwatch.GetTimestamp()) / Stopwatch.Frequency));
            if (!e.Stop(left))
            {
                stuck.Add(e.ComponentId);
            }
        }

        foreach (var w in Workers)
        {
            w.StopTimer();
        }

        return stuck;
    }

    public TopologyInfo Info() => Plan.Info(Executors, Plan.Active ? "ACTIVE" : "INACTIVE");
}
