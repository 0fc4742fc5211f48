using Microsoft.Extensions.Logging;
using StormSharp.Runtime.Configuration;
using StormSharp.Runtime.Queues;
using StormSharp.Runtime.Routing;
using StormSharp.Runtime.Transport;
using StormSharp.Runtime.Tuples;
using StormSharp.Topology;

namespace StormSharp.Runtime.Execution;

/// <summary>
/// One worker of a running topology: the executors the plan gives it, their routes, and a sink per destination.
/// Tuples for a task in this worker go straight into its executor's queue; for a task elsewhere, into the
/// connection the transport gives to that task's worker. Executors see only sinks, so the transport (in-process
/// here, gRPC between worker processes) changes nothing in them.
/// </summary>
internal sealed class WorkerRuntime
{
    private readonly Executor?[] _localExecutorOfTask;
    private readonly int[] _sinkOfTask;
    private readonly List<ITupleSink> _sinks = [];
    private readonly TopologyContext?[] _contexts;
    private readonly IWorkerTransport _transport;
    private readonly List<int> _remoteWorkers;
    private readonly ExecutorTimer _timer = new(ExecutorPool.Shared);

    public WorkerRuntime(TopologyPlan plan, int worker, IWorkerTransport transport)
    {
        Plan = plan;
        Worker = worker;
        _transport = transport;
        _localExecutorOfTask = new Executor?[plan.TaskCount + 1];
        _sinkOfTask = new int[plan.TaskCount + 1];
        _contexts = new TopologyContext?[plan.TaskCount + 1];
        var mine = plan.ExecutorPlans.Where(p => p.Worker == worker).ToList();
        WorkerTasks = [.. mine.SelectMany(p => p.Tasks).Order()];

        // Sinks: first one per local executor (its queue), then one per other worker (a connection), made before any
        // executor exists so that executors can size their batch tables.
        var remoteWorkers = plan.ExecutorPlans.Select(p => p.Worker).Where(w => w != worker).Distinct().Order().ToList();
        SinkCount = mine.Count + remoteWorkers.Count;

        var executors = new List<Executor>();
        foreach (var p in mine)
        {
            var index = executors.Count;
            Executor ex = p.IsAcker
                ? new AckerExecutor(this, p.ComponentId, p.Tasks, index)
                : p.IsSpout
                    ? new SpoutExecutor(this, p.ComponentId, p.Tasks, index, Instantiate<ISpout>(p))
                    : new BoltExecutor(this, p.ComponentId, p.Tasks, index, Instantiate<IComponent>(p));
            executors.Add(ex);
            _sinks.Add(ex.Queue);
            foreach (var t in p.Tasks)
            {
                _localExecutorOfTask[t] = ex;
                _sinkOfTask[t] = index;
            }
        }

        Executors = executors;
        foreach (var p in plan.ExecutorPlans.Where(p => p.Worker != worker))
        {
            foreach (var t in p.Tasks)
            {
                _sinkOfTask[t] = mine.Count + remoteWorkers.IndexOf(p.Worker);
            }
        }

        _remoteWorkers = remoteWorkers;
        BuildRoutes();
    }

    public TopologyPlan Plan { get; }

    public int Worker { get; }

    public int[] WorkerTasks { get; }

    public IReadOnlyList<Executor> Executors { get; }

    public int SinkCount { get; }

    // What executors read, forwarded from the plan.
    public ILogger Logger => Plan.Logger;

    public int TaskCount => Plan.TaskCount;

    public int StreamCount => Plan.StreamCount;

    public int ReceiveBufferSize => Plan.ReceiveBufferSize;

    public int FlushMillis => Plan.FlushMillis;

    public bool Debug => Plan.Debug;

    public long MessageTimeoutTicks => Plan.MessageTimeoutTicks;

    public bool AckingEnabled => Plan.AckingEnabled;

    public bool Active => Plan.Active;

    public Action<string, string, IReadOnlyList<object?>>? Capture => Plan.Capture;

    public StreamInfo AckInitStream => Plan.AckInitStream;

    public StreamInfo AckAckStream => Plan.AckAckStream;

    public StreamInfo AckFailStream => Plan.AckFailStream;

    public StreamInfo AckResetStream => Plan.AckResetStream;

    public StreamInfo AckerAckStream => Plan.AckerAckStream;

    public StreamInfo AckerFailStream => Plan.AckerFailStream;

    public StreamInfo AckerResetStream => Plan.AckerResetStream;

    public StreamInfo TickStream => Plan.TickStream;

    /// <summary>Opens the connections to the other workers (they must all exist in the transport by now).</summary>
    public void Connect()
    {
        foreach (var w in _remoteWorkers)
        {
            _sinks.Add(_transport.Connect(Worker, w));
        }
    }

    /// <summary>Starts every executor: in turns on the shared executor pool, with this worker's timer, unless its component asks for a thread of its own.</summary>
    public void Start()
    {
        foreach (var e in Executors)
        {
            var dedicated = ConfigValues.GetBool(ComponentConf(e.ComponentId), Config.TopologyExecutorDedicatedThread, false);
            if (!dedicated)
            {
                _timer.Add(e);
            }

            e.Start(dedicated ? null : _timer, ExecutorPool.Shared);
        }

        _timer.Start();
    }

    /// <summary>After the executors have stopped: stops the timer that woke them.</summary>
    public void StopTimer() => _timer.Stop();

    public void WakeAll()
    {
        foreach (var e in Executors)
        {
            e.Wake();
        }
    }

    public int SinkIndexOfTask(int task) => _sinkOfTask[task];

    public ITupleSink Sink(int index) => _sinks[index];

    /// <summary>Tuples batched for a sink: <c>topology.producer.batch.size</c> for a local queue, <c>topology.transfer.batch.size</c> for another worker.</summary>
    public int BatchSizeOfSink(int index) => index < Executors.Count ? Plan.ProducerBatchSize : Plan.TransferBatchSize;

    /// <summary>The executor running <paramref name="task"/> in this worker, or null when it runs elsewhere.</summary>
    public Executor? LocalExecutorOfTask(int task) => (uint)task < (uint)_localExecutorOfTask.Length ? _localExecutorOfTask[task] : null;

    public double LoadOfTask(int task) => _localExecutorOfTask[task]?.Queue.Load ?? _transport.LoadOfTask(task);

    /// <summary>Takes tuples that arrived from another worker into the local executors' queues, in order; returns how many fit.</summary>
    public int Accept(ReadOnlySpan<TupleImpl> tuples)
    {
        for (var i = 0; i < tuples.Length; i++)
        {
            var ex = LocalExecutorOfTask(tuples[i].DestTask)
                ?? throw new InvalidDataException($"worker {Worker} was sent a tuple for task {tuples[i].DestTask}, which it does not run");
            if (!ex.Queue.TryPublish(tuples[i]))
            {
                return i;
            }
        }

        return tuples.Length;
    }

    public int AckerTaskFor(long root) => Plan.AckerTaskFor(root);

    public IReadOnlyDictionary<string, object?> ComponentConf(string componentId) => Plan.ComponentConf(componentId);

    public int? ComponentInt(string componentId, string key) => Plan.ComponentInt(componentId, key);

    public TopologyContext ContextFor(int task) =>
        _contexts[task] ??= new TopologyContext(Plan.Topology, Plan.StormId, Plan.TaskToComponent, task, WorkerTasks, Worker + 1);

    public void ReportError(string componentId, int task, Exception error) => Plan.ReportError(componentId, task, error);

    public void LogEmit(string componentId, int task, StreamInfo stream, IReadOnlyList<object?> values) => Plan.LogEmit(componentId, task, stream, values);

    private T[] Instantiate<T>(ExecutorPlan p)
    {
        var declaration = Plan.Topology.ById[p.ComponentId];
        var result = new T[p.Tasks.Length];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = (T)declaration.Component.Instantiate(Plan.ResolveType);
        }

        return result;
    }

    private void BuildRoutes()
    {
        var topology = Plan.Topology;
        var workerTasks = new HashSet<int>(WorkerTasks);
        foreach (var ex in Executors)
        {
            if (!topology.ById.TryGetValue(ex.ComponentId, out var source))
            {
                continue;
            }

            foreach (var s in source.Outputs.Values)
            {
                var info = Plan.StreamOf(source.Id, s.StreamId);
                var groupers = new List<Grouper>();
                var direct = new HashSet<int>();
                var maxTasks = 1;
                foreach (var subscriber in topology.Components)
                {
                    foreach (var input in subscriber.Inputs)
                    {
                        if (input.Stream != info.GlobalId)
                        {
                            continue;
                        }

                        var targets = Plan.TasksOf(subscriber.Id);
                        maxTasks = Math.Max(maxTasks, targets.Length);
                        if (input.Grouping.Type == GroupingType.Direct)
                        {
                            direct.UnionWith(targets);
                            continue;
                        }

                        var local = targets.Where(workerTasks.Contains).ToArray();
                        groupers.Add(Grouper.Create(input.Grouping, s.Fields, targets, local, () => PrepareCustom(input, ex, targets), new Random(), new KeyHasher(Plan.Serializers, ex.ComponentId, s.StreamId, s.Fields)));
                    }
                }

                ex.AddRoute(s.StreamId, new StreamRoute(info, [.. groupers], direct, maxTasks));
            }
        }
    }

    private ICustomStreamGrouping PrepareCustom(InputDeclaration input, Executor ex, int[] targets)
    {
        var grouping = (ICustomStreamGrouping)input.Grouping.Custom!.Instantiate(Plan.ResolveType);
        grouping.Prepare(ContextFor(ex.TaskIds[0]), input.Stream, targets);
        return grouping;
    }
}
