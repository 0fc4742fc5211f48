using System.Diagnostics;
using Microsoft.Extensions.Logging;
using StormSharp.Runtime.Configuration;
using StormSharp.Runtime.Routing;
using StormSharp.Runtime.Stats;
using StormSharp.Runtime.Tuples;
using StormSharp.Topology;

namespace StormSharp.Runtime.Execution;

/// <summary>
/// One running topology in one process: task ids, executors, routes and system streams, built from the topology
/// as it travels (components rebuilt from their shipped state, so what cannot be rebuilt fails here, at submit).
/// Task ids follow Storm: components sorted by id, consecutive ids from 1, the acker among them.
/// </summary>
internal sealed class WorkerRuntime
{
    private readonly Dictionary<string, IReadOnlyDictionary<string, object?>> _componentConf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ErrorLog> _errors = new(StringComparer.Ordinal);
    private readonly Dictionary<GlobalStreamId, StreamInfo> _streams = [];
    private readonly List<StreamInfo> _streamList = [];
    private readonly Executor[] _executorOfTask;
    private readonly TopologyContext?[] _contexts;
    private readonly int[] _ackerTasks;
    private readonly Dictionary<string, long> _lastErrorLog = new(StringComparer.Ordinal);
    private readonly long _startedAt = Stopwatch.GetTimestamp();
    private volatile bool _active = true;

    public WorkerRuntime(
        string stormId,
        string name,
        StormTopology topology,
        IReadOnlyDictionary<string, object?> conf,
        Func<string, Type?> resolveType,
        ILogger logger)
    {
        StormId = stormId;
        Name = name;
        Topology = topology;
        Conf = conf;
        Logger = logger;
        var problems = new List<string>();

        Workers = Setting(problems, () => ConfigValues.RequirePositive(conf, Config.TopologyWorkers, 1));
        var ackers = Setting(problems, () => ConfigValues.GetNullableInt(conf, Config.TopologyAckerExecutors)) ?? Workers;
        if (ackers < 0)
        {
            problems.Add($"configuration '{Config.TopologyAckerExecutors}' must be 0 or more, not {ackers}");
            ackers = 0;
        }

        var timeoutSecs = Setting(problems, () => ConfigValues.RequirePositive(conf, Config.TopologyMessageTimeoutSecs, 30));
        MessageTimeoutTicks = timeoutSecs * Stopwatch.Frequency;
        ReceiveBufferSize = Setting(problems, () => ConfigValues.RequirePositive(conf, Config.TopologyExecutorReceiveBufferSize, 32768));
        ProducerBatchSize = Setting(problems, () => ConfigValues.RequirePositive(conf, Config.TopologyProducerBatchSize, 64));
        FlushMillis = Setting(problems, () => ConfigValues.RequirePositive(conf, Config.TopologyFlushTupleFreqMillis, 1));
        Debug = Setting(problems, () => ConfigValues.GetBool(conf, Config.TopologyDebug, false));
        var keepErrors = Setting(problems, () => ConfigValues.RequirePositive(conf, Config.TopologyMaxErrorReportPerInterval, 10));
        if (ReceiveBufferSize < 2)
        {
            ReceiveBufferSize = 2;
        }

        // Per-component configuration: the topology's, overridden by what the component declares.
        foreach (var c in topology.Components)
        {
            var merged = new Dictionary<string, object?>(conf, StringComparer.Ordinal);
            foreach (var kv in c.Config)
            {
                merged[kv.Key] = kv.Value;
            }

            _componentConf[c.Id] = merged;
            foreach (var key in new[] { Config.TopologyMaxSpoutPending, Config.TopologyTickTupleFreqSecs })
            {
                var v = Setting(problems, () => ConfigValues.GetNullableInt(merged, key));
                if (v is <= 0)
                {
                    problems.Add($"component '{c.Id}': configuration '{key}' must be at least 1 or null, not {v}");
                }
            }
        }

        _componentConf[Utils.AckerComponentId] = conf;

        // Streams: every declared one, then the engine's own.
        foreach (var c in topology.Components)
        {
            foreach (var s in c.Outputs.Values)
            {
                AddStream(c.Id, s.StreamId, s.Fields, s.Direct);
            }
        }

        AckInitStream = AddStream(Utils.AckerComponentId, "__ack_init", new Fields("id", "ack-val", "spout-task"), true);
        AckAckStream = AddStream(Utils.AckerComponentId, "__ack_ack", new Fields("id", "ack-val"), true);
        AckFailStream = AddStream(Utils.AckerComponentId, "__ack_fail", new Fields("id"), true);
        AckResetStream = AddStream(Utils.AckerComponentId, "__ack_reset_timeout", new Fields("id"), true);
        AckerAckStream = AddStream(Utils.AckerComponentId, "__acker_ack", new Fields("id"), true);
        AckerFailStream = AddStream(Utils.AckerComponentId, "__acker_fail", new Fields("id"), true);
        AckerResetStream = AddStream(Utils.AckerComponentId, "__acker_reset_timeout", new Fields("id"), true);
        TickStream = AddStream(Utils.SystemComponentId, Utils.TickStreamId, new Fields("rate_secs"), false);

        // Task ids.
        var counts = topology.Components.Select(c => (c.Id, c.NumTasks)).ToList();
        if (ackers > 0)
        {
            counts.Add((Utils.AckerComponentId, ackers));
        }

        var taskToComponent = new Dictionary<int, string>();
        var tasksOf = new Dictionary<string, int[]>(StringComparer.Ordinal);
        var nextTask = 1;
        foreach (var (id, count) in counts.OrderBy(c => c.Id, StringComparer.Ordinal))
        {
            var tasks = new int[Math.Max(0, count)];
            for (var i = 0; i < tasks.Length; i++)
            {
                tasks[i] = nextTask++;
                taskToComponent[tasks[i]] = id;
            }

            tasksOf[id] = tasks;
        }

        TaskToComponent = taskToComponent;
        TaskCount = nextTask - 1;
        AllTasks = [.. taskToComponent.Keys.Order()];
        _ackerTasks = ackers > 0 ? tasksOf[Utils.AckerComponentId] : [];
        _contexts = new TopologyContext?[TaskCount + 1];
        _executorOfTask = new Executor[TaskCount + 1];

        // Rebuild every component of every task from its shipped state.
        var instances = new Dictionary<string, object[]>(StringComparer.Ordinal);
        foreach (var c in topology.Components)
        {
            var objs = new object[c.NumTasks];
            for (var i = 0; i < objs.Length; i++)
            {
                try
                {
                    objs[i] = c.Component.Instantiate(resolveType);
                }
                catch (Exception e) when (e is InvalidOperationException or System.Reflection.TargetInvocationException or MemberAccessException
                    or ArgumentException or FormatException or System.Text.Json.JsonException or InvalidCastException or OverflowException or NotSupportedException)
                {
                    problems.Add($"component '{c.Id}' ({c.Component.TypeName}) cannot be rebuilt from its shipped state: {e.Message}");
                    break;
                }
            }

            if (objs.Length > 0 && objs[0] is not null)
            {
                if (c.IsSpout && objs[0] is not ISpout)
                {
                    problems.Add($"component '{c.Id}' was declared as a spout but {objs[0].GetType().Name} does not implement ISpout");
                }
                else if (!c.IsSpout && objs[0] is not (IRichBolt or IBasicBolt))
                {
                    problems.Add($"component '{c.Id}' was declared as a bolt but {objs[0].GetType().Name} implements neither IRichBolt nor IBasicBolt");
                }
            }

            instances[c.Id] = objs;
        }

        if (problems.Count > 0)
        {
            throw new InvalidTopologyException(problems);
        }

        // Executors: each component's tasks split into as even consecutive ranges as its parallelism allows.
        var executors = new List<Executor>();
        var plan = new List<(string Id, int[] Tasks, object[] Objects, bool IsSpout)>();
        foreach (var c in topology.Components.Where(c => c.IsSpout).Concat(topology.Components.Where(c => !c.IsSpout)))
        {
            var tasks = tasksOf[c.Id];
            var objs = instances[c.Id];
            var offset = 0;
            foreach (var size in Partition(tasks.Length, Math.Min(c.Parallelism, tasks.Length)))
            {
                plan.Add((c.Id, tasks[offset..(offset + size)], objs[offset..(offset + size)], c.IsSpout));
                offset += size;
            }
        }

        if (ackers > 0)
        {
            var offset = 0;
            foreach (var size in Partition(_ackerTasks.Length, ackers))
            {
                plan.Add((Utils.AckerComponentId, _ackerTasks[offset..(offset + size)], [], false));
                offset += size;
            }
        }

        ExecutorCount = plan.Count;
        foreach (var (id, tasks, objs, isSpout) in plan)
        {
            Executor ex = id == Utils.AckerComponentId
                ? new AckerExecutor(this, id, tasks, executors.Count)
                : isSpout
                    ? new SpoutExecutor(this, id, tasks, executors.Count, objs.Cast<ISpout>().ToArray())
                    : new BoltExecutor(this, id, tasks, executors.Count, objs.Cast<IComponent>().ToArray());
            executors.Add(ex);
            foreach (var t in tasks)
            {
                _executorOfTask[t] = ex;
            }
        }

        Executors = executors;
        foreach (var c in topology.Components)
        {
            _errors[c.Id] = new ErrorLog(keepErrors);
        }

        _errors[Utils.AckerComponentId] = new ErrorLog(keepErrors);

        // Routes: for each executor and each stream its component declares, one grouper per subscriber.
        foreach (var ex in executors)
        {
            if (!topology.ById.TryGetValue(ex.ComponentId, out var source))
            {
                continue;
            }

            foreach (var s in source.Outputs.Values)
            {
                var info = _streams[new GlobalStreamId(source.Id, s.StreamId)];
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

                        var targets = tasksOf[subscriber.Id];
                        maxTasks = Math.Max(maxTasks, targets.Length);
                        if (input.Grouping.Type == GroupingType.Direct)
                        {
                            direct.UnionWith(targets);
                            continue;
                        }

                        groupers.Add(Grouper.Create(
                            input.Grouping,
                            s.Fields,
                            targets,
                            targets, // every task is in this worker
                            () => PrepareCustom(input, ex, targets, resolveType),
                            new Random()));
                    }
                }

                ex.AddRoute(s.StreamId, new StreamRoute(info, [.. groupers], direct, maxTasks));
            }
        }
    }

    public string StormId { get; }

    public string Name { get; }

    public StormTopology Topology { get; }

    public IReadOnlyDictionary<string, object?> Conf { get; }

    public ILogger Logger { get; }

    public int Workers { get; }

    public IReadOnlyList<Executor> Executors { get; }

    public IReadOnlyDictionary<int, string> TaskToComponent { get; }

    public int[] AllTasks { get; }

    public int TaskCount { get; }

    public int ExecutorCount { get; }

    public int StreamCount => _streamList.Count;

    public int ReceiveBufferSize { get; }

    public int ProducerBatchSize { get; }

    public int FlushMillis { get; }

    public bool Debug { get; }

    /// <summary>Testing only: sees every emitted tuple (component, stream, values) on the emitting thread.</summary>
    public Action<string, string, IReadOnlyList<object?>>? Capture { get; set; }

    public long MessageTimeoutTicks { get; }

    public bool AckingEnabled => _ackerTasks.Length > 0;

    public bool Active => _active;

    public TimeSpan Uptime => Stopwatch.GetElapsedTime(_startedAt);

    public StreamInfo AckInitStream { get; }

    public StreamInfo AckAckStream { get; }

    public StreamInfo AckFailStream { get; }

    public StreamInfo AckResetStream { get; }

    public StreamInfo AckerAckStream { get; }

    public StreamInfo AckerFailStream { get; }

    public StreamInfo AckerResetStream { get; }

    public StreamInfo TickStream { get; }

    public void Start()
    {
        foreach (var e in Executors)
        {
            e.Start();
        }
    }

    public void SetActive(bool active)
    {
        _active = active;
        foreach (var e in Executors)
        {
            e.Wake();
        }
    }

    /// <summary>Stops every executor (spouts first, so bolts can drain what is in flight); returns the ones that did not stop in time.</summary>
    public IReadOnlyList<string> Stop(TimeSpan timeout)
    {
        var stuck = new List<string>();
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        foreach (var e in Executors)
        {
            var left = TimeSpan.FromSeconds(Math.Max(0.05, (double)(deadline - Stopwatch.GetTimestamp()) / Stopwatch.Frequency));
            if (!e.Stop(left))
            {
                stuck.Add(e.ComponentId);
            }
        }

        return stuck;
    }

    public Executor ExecutorOfTask(int task) => _executorOfTask[task];

    public double LoadOfTask(int task) => _executorOfTask[task].Queue.Load;

    public int AckerTaskFor(long root) => _ackerTasks[(int)((ulong)root % (ulong)_ackerTasks.Length)];

    public IReadOnlyDictionary<string, object?> ComponentConf(string componentId) =>
        _componentConf.TryGetValue(componentId, out var c) ? c : Conf;

    public int? ComponentInt(string componentId, string key) => ConfigValues.GetNullableInt(ComponentConf(componentId), key);

    public TopologyContext ContextFor(int task) =>
        _contexts[task] ??= new TopologyContext(Topology, StormId, TaskToComponent, task, AllTasks, 0);

    public void ReportError(string componentId, int task, Exception error)
    {
        var log = _errors.TryGetValue(componentId, out var l) ? l : null;
        log?.Add(new ErrorInfo(DateTimeOffset.UtcNow, task, error.GetType().Name + ": " + error.Message, error.ToString()));

        // A bolt that throws on every tuple must not flood the log: one line per component per 5 seconds.
        var now = Stopwatch.GetTimestamp();
        lock (_lastErrorLog)
        {
            if (_lastErrorLog.TryGetValue(componentId, out var last) && now - last < 5 * Stopwatch.Frequency)
            {
                return;
            }

            _lastErrorLog[componentId] = now;
        }

        Logger.LogWarning(error, "Topology {Topology}: component {Component} task {Task} reported an error ({Total} so far)", Name, componentId, task, log?.Total ?? 1);
    }

    public void LogEmit(string componentId, int task, StreamInfo stream, IReadOnlyList<object?> values) =>
        Logger.LogInformation("Emitting: {Component} {Task} {Stream} [{Values}]", componentId, task, stream.StreamId, string.Join(", ", values));

    public TopologyInfo Info(string status)
    {
        var now = Stopwatch.GetTimestamp();
        var components = new List<ComponentInfo>();
        foreach (var group in Executors.GroupBy(e => e.ComponentId))
        {
            var list = group.ToList();
            var windows = new Dictionary<int, IReadOnlyList<StreamStats>>();
            double capacity = 0;
            foreach (var w in StatsWindows.All)
            {
                var sum = new long[_streamList.Count * ExecutorStats.MetricCount];
                foreach (var e in list)
                {
                    var values = e.Stats.Window(w, now, out var covered);
                    for (var i = 0; i < sum.Length; i++)
                    {
                        sum[i] += values[i];
                    }

                    if (w == StatsWindows.TenMinutes && covered > 0)
                    {
                        long busy = 0;
                        for (var s = 0; s < _streamList.Count; s++)
                        {
                            busy += values[(s * ExecutorStats.MetricCount) + ExecutorStats.ExecuteLatencyTicks];
                        }

                        capacity = Math.Max(capacity, busy / (covered * Stopwatch.Frequency));
                    }
                }

                windows[w] = StreamsOf(group.Key, list[0].IsSpout, sum);
            }

            components.Add(new ComponentInfo(
                group.Key,
                list[0].IsSpout,
                list.Count,
                list.Sum(e => e.TaskIds.Length),
                windows,
                list[0].IsSpout ? 0 : capacity,
                _errors.TryGetValue(group.Key, out var log) ? log.Snapshot() : []));
        }

        return new TopologyInfo(StormId, Name, status, Uptime, Workers, Executors.Count, TaskCount, components);
    }

    private List<StreamStats> StreamsOf(string componentId, bool isSpout, long[] sum)
    {
        var result = new List<StreamStats>();
        const int m = ExecutorStats.MetricCount;
        static double Ms(long ticks, long count) => count == 0 ? 0 : ticks * 1000.0 / Stopwatch.Frequency / count;
        foreach (var s in _streamList)
        {
            var b = s.Index * m;
            var emitted = sum[b + ExecutorStats.Emitted];
            var acked = sum[b + ExecutorStats.Acked];
            var failed = sum[b + ExecutorStats.Failed];
            var executed = sum[b + ExecutorStats.Executed];
            var own = s.ComponentId == componentId;
            var declared = own && !s.StreamId.StartsWith("__", StringComparison.Ordinal);
            if (own && (declared || emitted != 0 || acked != 0 || failed != 0))
            {
                // Declared streams are listed even when idle, as Storm's UI does.
                result.Add(new StreamStats(
                    s.StreamId, emitted, sum[b + ExecutorStats.Transferred], isSpout ? acked : 0, isSpout ? failed : 0, 0,
                    isSpout ? Ms(sum[b + ExecutorStats.AckLatencyTicks], acked) : 0, 0, 0));
            }

            if (!isSpout && (executed > 0 || (!own && (acked > 0 || failed > 0))))
            {
                result.Add(new StreamStats(
                    s.ComponentId + ":" + s.StreamId, 0, 0, acked, failed, executed, 0,
                    Ms(sum[b + ExecutorStats.AckLatencyTicks], acked), Ms(sum[b + ExecutorStats.ExecuteLatencyTicks], executed)));
            }
        }

        return result;
    }

    private StreamInfo AddStream(string componentId, string streamId, Fields fields, bool direct)
    {
        var info = new StreamInfo(componentId, streamId, fields, direct, _streamList.Count);
        _streams[info.GlobalId] = info;
        _streamList.Add(info);
        return info;
    }

    private ICustomStreamGrouping PrepareCustom(InputDeclaration input, Executor ex, int[] targets, Func<string, Type?> resolveType)
    {
        var obj = input.Grouping.Custom!.Instantiate(resolveType);
        var grouping = obj as ICustomStreamGrouping
            ?? throw new InvalidTopologyException($"custom grouping {obj.GetType().Name} on {input.Stream} does not implement ICustomStreamGrouping");
        grouping.Prepare(ContextFor(ex.TaskIds[0]), input.Stream, targets);
        return grouping;
    }

    private static IEnumerable<int> Partition(int items, int parts)
    {
        parts = Math.Max(1, parts);
        for (var i = 0; i < parts; i++)
        {
            yield return (items / parts) + (i < items % parts ? 1 : 0);
        }
    }

    private static T Setting<T>(List<string> problems, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (ArgumentException e)
        {
            problems.Add(e.Message);
            return default!;
        }
    }
}
