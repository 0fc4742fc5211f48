using System.Diagnostics;
using Microsoft.Extensions.Logging;
using StormSharp.Runtime.Configuration;
using StormSharp.Runtime.Stats;
using StormSharp.Runtime.Tuples;
using StormSharp.Topology;

namespace StormSharp.Runtime.Execution;

/// <summary>
/// What every worker of a topology agrees on: configuration, the stream table, task ids, and which worker runs
/// which executor. Task ids follow Storm: components sorted by id, consecutive ids from 1, the acker among them;
/// executors are dealt round-robin over the workers, as Storm's even scheduler deals them over slots.
/// Building the plan rebuilds each component once from its shipped state, so a component that could not reach a
/// worker is refused here, at submit.
/// </summary>
internal sealed class TopologyPlan
{
    private readonly Dictionary<string, IReadOnlyDictionary<string, object?>> _componentConf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ErrorLog> _errors = new(StringComparer.Ordinal);
    private readonly Dictionary<GlobalStreamId, StreamInfo> _streams = [];
    private readonly Dictionary<string, StreamInfo> _systemStreams = new(StringComparer.Ordinal);
    private readonly List<StreamInfo> _streamList = [];
    private readonly Dictionary<string, int[]> _tasksOf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _lastErrorLog = new(StringComparer.Ordinal);
    private readonly long _startedAt = Stopwatch.GetTimestamp();
    private volatile bool _active = true;

    public TopologyPlan(
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
        ResolveType = resolveType;
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
        ReceiveBufferSize = Math.Max(2, Setting(problems, () => ConfigValues.RequirePositive(conf, Config.TopologyExecutorReceiveBufferSize, 32768)));
        ProducerBatchSize = Setting(problems, () => ConfigValues.RequirePositive(conf, Config.TopologyProducerBatchSize, 64));
        TransferBatchSize = Setting(problems, () => ConfigValues.RequirePositive(conf, Config.TopologyTransferBatchSize, 64));
        FlushMillis = Setting(problems, () => ConfigValues.RequirePositive(conf, Config.TopologyFlushTupleFreqMillis, 1));
        Debug = Setting(problems, () => ConfigValues.GetBool(conf, Config.TopologyDebug, false));
        var keepErrors = Setting(problems, () => ConfigValues.RequirePositive(conf, Config.TopologyMaxErrorReportPerInterval, 10));
        Serializers = Setting(problems, () => Serialization.TupleValueSerializerFactory.Create(conf, resolveType)) ?? Serialization.TupleValueSerializerRegistry.Empty;

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

            Setting(problems, () => ConfigValues.TimeOneIn(merged), c.Id);
            Setting(problems, () => ConfigValues.GetBool(merged, Config.TopologyExecutorDedicatedThread, false), c.Id);
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

        AckInitStream = AddSystemStream(Utils.AckerComponentId, "__ack_init", new Fields("id", "ack-val", "spout-task"));
        AckAckStream = AddSystemStream(Utils.AckerComponentId, "__ack_ack", new Fields("id", "ack-val"));
        AckFailStream = AddSystemStream(Utils.AckerComponentId, "__ack_fail", new Fields("id"));
        AckResetStream = AddSystemStream(Utils.AckerComponentId, "__ack_reset_timeout", new Fields("id"));
        AckerAckStream = AddSystemStream(Utils.AckerComponentId, "__acker_ack", new Fields("id"));
        AckerFailStream = AddSystemStream(Utils.AckerComponentId, "__acker_fail", new Fields("id"));
        AckerResetStream = AddSystemStream(Utils.AckerComponentId, "__acker_reset_timeout", new Fields("id"));
        TickStream = AddSystemStream(Utils.SystemComponentId, Utils.TickStreamId, new Fields("rate_secs"));

        // Task ids.
        var counts = topology.Components.Select(c => (c.Id, c.NumTasks)).ToList();
        if (ackers > 0)
        {
            counts.Add((Utils.AckerComponentId, ackers));
        }

        var taskToComponent = new Dictionary<int, string>();
        var nextTask = 1;
        foreach (var (id, count) in counts.OrderBy(c => c.Id, StringComparer.Ordinal))
        {
            var tasks = new int[Math.Max(0, count)];
            for (var i = 0; i < tasks.Length; i++)
            {
                tasks[i] = nextTask++;
                taskToComponent[tasks[i]] = id;
            }

            _tasksOf[id] = tasks;
        }

        TaskToComponent = taskToComponent;
        TaskCount = nextTask - 1;
        AckerTasks = ackers > 0 ? _tasksOf[Utils.AckerComponentId] : [];

        // Rebuild each component once from its shipped state: what cannot be rebuilt is refused now.
        foreach (var c in topology.Components)
        {
            try
            {
                var obj = c.Component.Instantiate(resolveType);
                if (c.IsSpout && obj is not ISpout)
                {
                    problems.Add($"component '{c.Id}' was declared as a spout but {obj.GetType().Name} does not implement ISpout");
                }
                else if (!c.IsSpout && obj is not (IRichBolt or IBasicBolt))
                {
                    problems.Add($"component '{c.Id}' was declared as a bolt but {obj.GetType().Name} implements neither IRichBolt nor IBasicBolt");
                }
            }
            catch (Exception e) when (IsRebuildFailure(e))
            {
                problems.Add($"component '{c.Id}' ({c.Component.TypeName}) cannot be rebuilt from its shipped state: {e.Message}");
            }

            foreach (var input in c.Inputs.Where(i => i.Grouping.Custom is not null))
            {
                try
                {
                    if (input.Grouping.Custom!.Instantiate(resolveType) is not ICustomStreamGrouping)
                    {
                        problems.Add($"component '{c.Id}': the custom grouping on {input.Stream} does not implement ICustomStreamGrouping");
                    }
                }
                catch (Exception e) when (IsRebuildFailure(e))
                {
                    problems.Add($"component '{c.Id}': the custom grouping on {input.Stream} cannot be rebuilt from its shipped state: {e.Message}");
                }
            }
        }

        if (problems.Count > 0)
        {
            throw new InvalidTopologyException(problems);
        }

        // Executors: each component's tasks split into as even consecutive ranges as its parallelism allows, spouts
        // first, the acker last, dealt over the workers in turn.
        var plan = new List<ExecutorPlan>();
        foreach (var c in topology.Components.Where(c => c.IsSpout).Concat(topology.Components.Where(c => !c.IsSpout)))
        {
            AddExecutors(plan, c.Id, c.IsSpout, _tasksOf[c.Id], Math.Min(c.Parallelism, c.NumTasks));
        }

        if (ackers > 0)
        {
            AddExecutors(plan, Utils.AckerComponentId, false, AckerTasks, ackers);
        }

        ExecutorPlans = plan;
        foreach (var c in topology.Components)
        {
            _errors[c.Id] = new ErrorLog(keepErrors);
        }

        _errors[Utils.AckerComponentId] = new ErrorLog(keepErrors);
    }

    public string StormId { get; }

    public string Name { get; }

    public StormTopology Topology { get; }

    public IReadOnlyDictionary<string, object?> Conf { get; }

    public Func<string, Type?> ResolveType { get; }

    /// <summary>The user-type serializers of <see cref="Config.TopologySerializationRegister"/>, for codecs and fields groupings.</summary>
    public Serialization.TupleValueSerializerRegistry Serializers { get; }

    public ILogger Logger { get; }

    public int Workers { get; }

    public IReadOnlyList<ExecutorPlan> ExecutorPlans { get; }

    public IReadOnlyDictionary<int, string> TaskToComponent { get; }

    public int TaskCount { get; }

    public int[] AckerTasks { get; }

    public int StreamCount => _streamList.Count;

    public int ReceiveBufferSize { get; }

    public int ProducerBatchSize { get; }

    public int TransferBatchSize { get; }

    public int FlushMillis { get; }

    public bool Debug { get; }

    public long MessageTimeoutTicks { get; }

    public bool AckingEnabled => AckerTasks.Length > 0;

    public bool Active
    {
        get => _active;
        set => _active = value;
    }

    public TimeSpan Uptime => Stopwatch.GetElapsedTime(_startedAt);

    /// <summary>Testing only: sees every emitted tuple (component, stream, values) on the emitting thread.</summary>
    public Action<string, string, IReadOnlyList<object?>>? Capture { get; set; }

    public StreamInfo AckInitStream { get; }

    public StreamInfo AckAckStream { get; }

    public StreamInfo AckFailStream { get; }

    public StreamInfo AckResetStream { get; }

    public StreamInfo AckerAckStream { get; }

    public StreamInfo AckerFailStream { get; }

    public StreamInfo AckerResetStream { get; }

    public StreamInfo TickStream { get; }

    public IReadOnlyList<StreamInfo> Streams => _streamList;

    public int[] TasksOf(string componentId) => _tasksOf.TryGetValue(componentId, out var t) ? t : [];

    public StreamInfo StreamOf(string componentId, string streamId) => _streams[new GlobalStreamId(componentId, streamId)];

    /// <summary>The stream of a tuple that arrived from another worker; throws for a stream this topology does not have.</summary>
    public StreamInfo WireStream(int sourceTask, string streamId)
    {
        if (_systemStreams.TryGetValue(streamId, out var system))
        {
            return system;
        }

        if (TaskToComponent.TryGetValue(sourceTask, out var component) && _streams.TryGetValue(new GlobalStreamId(component, streamId), out var info))
        {
            return info;
        }

        throw new InvalidDataException($"a tuple arrived from task {sourceTask} on stream '{streamId}', which that task's component does not declare");
    }

    public int AckerTaskFor(long root) => AckerTasks[(int)((ulong)root % (ulong)AckerTasks.Length)];

    public IReadOnlyDictionary<string, object?> ComponentConf(string componentId) =>
        _componentConf.TryGetValue(componentId, out var c) ? c : Conf;

    public int? ComponentInt(string componentId, string key) => ConfigValues.GetNullableInt(ComponentConf(componentId), key);

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

    /// <summary>Stats of every component, summed over <paramref name="executors"/> (all workers' executors).</summary>
    public TopologyInfo Info(IReadOnlyList<Executor> executors, string status)
    {
        var now = Stopwatch.GetTimestamp();
        var components = new List<ComponentInfo>();
        foreach (var group in executors.GroupBy(e => e.ComponentId))
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
                        // Busy time: the timed executes' mean latency times every execute.
                        double busy = 0;
                        for (var s = 0; s < _streamList.Count; s++)
                        {
                            var b = s * ExecutorStats.MetricCount;
                            var timed = values[b + ExecutorStats.ExecuteTimed];
                            busy += timed == 0 ? 0 : (double)values[b + ExecutorStats.ExecuteLatencyTicks] * values[b + ExecutorStats.Executed] / timed;
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

        var order = ExecutorPlans.Select(p => p.ComponentId).Distinct().ToList();
        components.Sort((a, b) => order.IndexOf(a.Id).CompareTo(order.IndexOf(b.Id)));
        return new TopologyInfo(StormId, Name, status, Uptime, Workers, executors.Count, TaskCount, components);
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
                    isSpout ? Ms(sum[b + ExecutorStats.AckLatencyTicks], sum[b + ExecutorStats.AckTimed]) : 0, 0, 0));
            }

            if (!isSpout && (executed > 0 || (!own && (acked > 0 || failed > 0))))
            {
                result.Add(new StreamStats(
                    s.ComponentId + ":" + s.StreamId, 0, 0, acked, failed, executed, 0,
                    Ms(sum[b + ExecutorStats.AckLatencyTicks], sum[b + ExecutorStats.AckTimed]),
                    Ms(sum[b + ExecutorStats.ExecuteLatencyTicks], sum[b + ExecutorStats.ExecuteTimed])));
            }
        }

        return result;
    }

    private void AddExecutors(List<ExecutorPlan> plan, string componentId, bool isSpout, int[] tasks, int parallelism)
    {
        parallelism = Math.Max(1, parallelism);
        var offset = 0;
        for (var i = 0; i < parallelism; i++)
        {
            var size = (tasks.Length / parallelism) + (i < tasks.Length % parallelism ? 1 : 0);
            plan.Add(new ExecutorPlan(componentId, tasks[offset..(offset + size)], isSpout, plan.Count % Workers));
            offset += size;
        }
    }

    private StreamInfo AddStream(string componentId, string streamId, Fields fields, bool direct)
    {
        var info = new StreamInfo(componentId, streamId, fields, direct, _streamList.Count);
        _streams[info.GlobalId] = info;
        _streamList.Add(info);
        return info;
    }

    private StreamInfo AddSystemStream(string componentId, string streamId, Fields fields)
    {
        var info = AddStream(componentId, streamId, fields, componentId == Utils.AckerComponentId);
        _systemStreams[streamId] = info;
        return info;
    }

    private static bool IsRebuildFailure(Exception e) =>
        e is InvalidOperationException or System.Reflection.TargetInvocationException or MemberAccessException
            or ArgumentException or FormatException or System.Text.Json.JsonException or InvalidCastException or OverflowException
            or NotSupportedException or TypeLoadException or FileNotFoundException or FileLoadException;

    private static T Setting<T>(List<string> problems, Func<T> read, string? componentId = null)
    {
        try
        {
            return read();
        }
        catch (ArgumentException e)
        {
            problems.Add(componentId is null ? e.Message : $"component '{componentId}': {e.Message}");
            return default!;
        }
    }
}

/// <summary>One executor of the plan: its component, its tasks and the worker that runs it.</summary>
internal sealed record ExecutorPlan(string ComponentId, int[] Tasks, bool IsSpout, int Worker)
{
    public bool IsAcker => ComponentId == Utils.AckerComponentId;
}
