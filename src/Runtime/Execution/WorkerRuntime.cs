using System.Diagnostics;
using StormSharp.Runtime.Configuration;
using StormSharp.Runtime.Queues;
using StormSharp.Runtime.Routing;
using StormSharp.Runtime.Serialization;
using StormSharp.Runtime.Transport;
using StormSharp.Runtime.Tuples;
using StormSharp.Topology;

namespace StormSharp.Runtime.Execution;

/// <summary>
/// One worker of a running topology: the executors its assignment gives it, the routes of their tuples, and its
/// lifecycle (start, spouts-first stop). Tuples for a task in this worker go straight into its executor's queue;
/// for a task elsewhere, into the <see cref="OutboundPath"/> of that task's executor, which the transport (in-process
/// in local mode, gRPC between worker processes) carries as bytes to the other worker's <see cref="InboundPath"/>.
/// One path per remote executor, not per remote worker: a full executor there holds back only the tuples meant for
/// it (see <see cref="OutboundPath"/>).
/// Executors see only sinks, so the transport changes nothing in them; a new assignment that moves other workers
/// swaps the routing table, not the executors.
/// </summary>
internal sealed class WorkerRuntime : IAsyncDisposable
{
    private readonly Executor?[] _localExecutorOfTask;
    private readonly TopologyContext?[] _contexts;
    private readonly IWorkerTransport _transport;
    private readonly Dictionary<(WorkerEndpoint Worker, TransferLane Lane, int Executor), OutboundPath> _outbound = [];
    private readonly ExecutorTimer _timer = new(ExecutorPool.Shared);
    private readonly object _gate = new();
    private readonly HashSet<int> _myExecutors;
    private readonly StoredTupleCodec _storedTuples;
    private volatile RoutingTable _routing;
    private bool _started;
    private bool _disposed;

    public WorkerRuntime(TopologyDefinition definition, TopologyAssignment assignment, WorkerEndpoint endpoint, TopologyServices services, IWorkerTransport transport)
    {
        Definition = definition;
        Services = services;
        Endpoint = endpoint;
        _transport = transport;
        _localExecutorOfTask = new Executor?[definition.TaskCount + 1];
        _contexts = new TopologyContext?[definition.TaskCount + 1];
        _storedTuples = new StoredTupleCodec(definition);
        var mine = definition.Executors.Where(e => assignment.WorkerOf(e) == endpoint).ToList();
        if (mine.Count == 0)
        {
            throw new ArgumentException($"the assignment of topology '{definition.Name}' gives worker {endpoint} no executor", nameof(assignment));
        }

        _myExecutors = [.. mine.Select(e => e.FirstTask)];
        WorkerTasks = [.. mine.SelectMany(p => p.Tasks).Order()];
        Inbound = new InboundPath(this, NewCodec);

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
            foreach (var t in p.Tasks)
            {
                _localExecutorOfTask[t] = ex;
            }
        }

        Executors = executors;
        _routing = BuildRouting(assignment);
        BuildRoutes();
        services.ActiveChanged += WakeAll;
    }

    public TopologyDefinition Definition { get; }

    public TopologyServices Services { get; }

    /// <summary>This worker's address (its supervisor's host and slot port; <c>local:N</c> in local mode).</summary>
    public WorkerEndpoint Endpoint { get; }

    public int[] WorkerTasks { get; }

    public IReadOnlyList<Executor> Executors { get; }

    /// <summary>Where frames from other workers enter; the transport hands them here.</summary>
    public InboundPath Inbound { get; }

    /// <summary>The current routes; executors compare it by reference at each cycle and adopt a new one.</summary>
    public RoutingTable Routing => _routing;

    /// <summary>Whether tuples are on their way to or from another worker (encoded and unsent, or waiting for room here).</summary>
    public bool HasTransfersInFlight
    {
        get
        {
            if (Inbound.Holding > 0)
            {
                return true;
            }

            lock (_gate)
            {
                foreach (var path in _outbound.Values)
                {
                    if (path.Buffered > 0)
                    {
                        return true;
                    }
                }
            }

            return false;
        }
    }

    /// <summary>Starts every executor: in turns on the shared executor pool, with this worker's timer, unless its component asks for a thread of its own.</summary>
    public void Start()
    {
        _started = true;
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

    /// <summary>
    /// Stops the spouts (<paramref name="spouts"/>) or the bolts and ackers of this worker, each given the time left
    /// until <paramref name="deadline"/> (a <see cref="Stopwatch"/> timestamp); adds to <paramref name="stuck"/> the
    /// components whose executors did not finish Close/Cleanup in time. Stopping every worker's spouts before any
    /// bolt lets what they emitted last drain.
    /// </summary>
    public void StopExecutors(bool spouts, long deadline, List<string> stuck)
    {
        foreach (var e in Executors)
        {
            if (e.IsSpout != spouts)
            {
                continue;
            }

            var left = TimeSpan.FromSeconds(Math.Max(0.05, (double)(deadline - Stopwatch.GetTimestamp()) / Stopwatch.Frequency));
            if (!e.Stop(left))
            {
                stuck.Add(e.ComponentId);
            }
        }
    }

    /// <summary>Stops the whole worker, spouts first; returns the components whose executors did not stop in time.</summary>
    public async ValueTask<IReadOnlyList<string>> StopAsync(TimeSpan timeout)
    {
        var stuck = new List<string>();
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        StopExecutors(spouts: true, deadline, stuck);
        StopExecutors(spouts: false, deadline, stuck);
        await DisposeAsync().ConfigureAwait(false);
        return stuck;
    }

    /// <summary>After the executors have stopped: stops the timer and closes the paths to other workers.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Services.ActiveChanged -= WakeAll;
        if (_started)
        {
            _timer.Stop();
        }

        List<OutboundPath> paths;
        lock (_gate)
        {
            paths = [.. _outbound.Values];
            _outbound.Clear();
        }

        foreach (var p in paths)
        {
            await p.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Takes a new assignment of the topology in which this worker keeps exactly its executors (others may have
    /// moved): builds the new routes, swaps them in, and closes the paths to workers no longer in it. An assignment
    /// that changes this worker's own executors is refused; the supervisor restarts the worker for that, as Storm's does.
    /// </summary>
    public async ValueTask UpdateAssignmentAsync(TopologyAssignment assignment)
    {
        var mine = Definition.Executors.Where(e => assignment.TryGetWorkerOf(e, out var w) && w == Endpoint).Select(e => e.FirstTask).ToHashSet();
        if (!mine.SetEquals(_myExecutors))
        {
            throw new InvalidOperationException($"the new assignment changes the executors of worker {Endpoint}; it must be restarted instead");
        }

        List<OutboundPath> gone;
        lock (_gate)
        {
            _routing = BuildRouting(assignment);
            var live = new HashSet<ITupleSink>(_routing.Sinks);
            gone = [.. _outbound.Values.Where(p => !live.Contains(p))];
            foreach (var p in gone)
            {
                _outbound.Remove((p.To, p.Lane, p.ToExecutor));
            }
        }

        WakeAll();
        foreach (var p in gone)
        {
            await p.DisposeAsync().ConfigureAwait(false);
        }
    }

    public void WakeAll()
    {
        foreach (var e in Executors)
        {
            e.Wake();
        }
    }

    /// <summary>The executor running <paramref name="task"/> in this worker, or null when it runs elsewhere.</summary>
    public Executor? LocalExecutorOfTask(int task) => (uint)task < (uint)_localExecutorOfTask.Length ? _localExecutorOfTask[task] : null;

    /// <summary>How full <paramref name="task"/>'s queue is (0..1); a task in another worker counts as empty, since its load is not known here.</summary>
    public double LoadOfTask(int task) => LocalExecutorOfTask(task)?.Queue.Load ?? 0;

    public IReadOnlyDictionary<string, object?> ComponentConf(string componentId) => Definition.ComponentConf(componentId);

    public TopologyContext ContextFor(int task) =>
        _contexts[task] ??= new TopologyContext(Definition.Topology, Definition.StormId, Definition.TaskToComponent, task, WorkerTasks, Endpoint.Port)
        {
            TupleCodec = _storedTuples,
        };

    public void ReportError(string componentId, int task, Exception error) => Services.ReportError(componentId, task, error);

    private TupleCodec NewCodec() => new(Definition.StreamTable, Definition.Serializers);

    private RoutingTable BuildRouting(TopologyAssignment assignment)
    {
        var settings = Definition.Settings;
        var sinks = new List<ITupleSink>();
        var batchSizes = new List<int>();
        foreach (var e in Executors)
        {
            sinks.Add(e.Queue);
            batchSizes.Add(settings.ProducerBatchSize);
        }

        var data = new int[Definition.TaskCount + 1];
        var acking = new int[Definition.TaskCount + 1];
        var indexOf = new Dictionary<OutboundPath, int>();
        foreach (var spec in Definition.Executors)
        {
            if (!assignment.TryGetWorkerOf(spec, out var worker))
            {
                // Not scheduled (too few slots): its tuples go nowhere and time out, as in Storm.
                continue;
            }

            foreach (var t in spec.Tasks)
            {
                if (worker == Endpoint)
                {
                    data[t] = acking[t] = _localExecutorOfTask[t]!.Index;
                    continue;
                }

                data[t] = SinkOf(worker, TransferLane.Data, spec.FirstTask);
                acking[t] = SinkOf(worker, TransferLane.Acking, spec.FirstTask);
            }
        }

        return new RoutingTable([.. sinks], [.. batchSizes], data, acking);

        int SinkOf(WorkerEndpoint worker, TransferLane lane, int executor)
        {
            if (!_outbound.TryGetValue((worker, lane, executor), out var path))
            {
                path = new OutboundPath(Definition, Services, _transport.Connect(Endpoint, worker, lane), worker, executor, lane, NewCodec());
                _outbound[(worker, lane, executor)] = path;
            }

            if (!indexOf.TryGetValue(path, out var index))
            {
                index = sinks.Count;
                indexOf[path] = index;
                sinks.Add(path);
                batchSizes.Add(settings.TransferBatchSize);
            }

            return index;
        }
    }

    private T[] Instantiate<T>(ExecutorSpec p)
    {
        var declaration = Definition.Topology.ById[p.ComponentId];
        var result = new T[p.Tasks.Length];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = (T)declaration.Component.Instantiate(Definition.ResolveType);
        }

        return result;
    }

    private void BuildRoutes()
    {
        var topology = Definition.Topology;
        var workerTasks = new HashSet<int>(WorkerTasks);
        foreach (var ex in Executors)
        {
            if (!topology.ById.TryGetValue(ex.ComponentId, out var source))
            {
                continue;
            }

            foreach (var s in source.Outputs.Values)
            {
                var info = Definition.StreamOf(source.Id, s.StreamId);
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

                        var targets = Definition.TasksOf(subscriber.Id);
                        maxTasks = Math.Max(maxTasks, targets.Length);
                        if (input.Grouping.Type == GroupingType.Direct)
                        {
                            direct.UnionWith(targets);
                            continue;
                        }

                        var local = targets.Where(workerTasks.Contains).ToArray();
                        groupers.Add(Grouper.Create(input.Grouping, s.Fields, targets, local, () => PrepareCustom(input, ex, targets), new Random(), new KeyHasher(Definition.Serializers, ex.ComponentId, s.StreamId, s.Fields), Definition.Settings.Shuffle));
                    }
                }

                ex.AddRoute(s.StreamId, new StreamRoute(info, [.. groupers], direct, maxTasks));
            }
        }
    }

    private ICustomStreamGrouping PrepareCustom(InputDeclaration input, Executor ex, int[] targets)
    {
        var grouping = (ICustomStreamGrouping)input.Grouping.Custom!.Instantiate(Definition.ResolveType);
        grouping.Prepare(ContextFor(ex.TaskIds[0]), input.Stream, targets);
        return grouping;
    }
}
