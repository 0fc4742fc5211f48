using System.Diagnostics;
using StormSharp.Runtime.Configuration;
using StormSharp.Runtime.Tuples;
using StormSharp.Topology;

namespace StormSharp.Runtime.Execution;

/// <summary>
/// What the user submitted, checked and numbered, and what every worker of a topology derives from it alike:
/// settings, the stream table, task ids and the executors (component, task range). Task ids follow Storm:
/// components sorted by id, consecutive ids from 1, the acker among them. Immutable: where executors run is the
/// scheduler's decision (<see cref="TopologyAssignment"/>), and what changes while the topology runs (status,
/// errors) belongs to the host (<see cref="TopologyServices"/>). Building it rebuilds each component once from its
/// shipped state, so a component that could not reach a worker is refused here, at submit.
/// </summary>
internal sealed class TopologyDefinition
{
    private readonly Dictionary<string, IReadOnlyDictionary<string, object?>> _componentConf = new(StringComparer.Ordinal);
    private readonly Dictionary<GlobalStreamId, StreamInfo> _streams = [];
    private readonly Dictionary<string, StreamInfo> _systemStreams = new(StringComparer.Ordinal);
    private readonly List<StreamInfo> _streamList = [];
    private readonly Dictionary<string, int[]> _tasksOf = new(StringComparer.Ordinal);

    public TopologyDefinition(
        string stormId,
        string name,
        StormTopology topology,
        IReadOnlyDictionary<string, object?> conf,
        Func<string, Type?> resolveType,
        bool rebuildComponents = true,
        IReadOnlyDictionary<string, int>? executorCounts = null)
    {
        StormId = stormId;
        Name = name;
        Topology = topology;
        Conf = conf;
        ResolveType = resolveType;
        var problems = new List<string>();

        Workers = Setting(problems, () => ConfigValues.RequirePositive(conf, Config.TopologyWorkers, 1));
        var ackers = Setting(problems, () => ConfigValues.GetNullableInt(conf, Config.TopologyAckerExecutors)) ?? Workers;
        if (ackers < 0)
        {
            problems.Add($"configuration '{Config.TopologyAckerExecutors}' must be 0 or more, not {ackers}");
            ackers = 0;
        }

        Settings = new TopologySettings(
            MessageTimeoutTicks: Setting(problems, () => ConfigValues.RequirePositive(conf, Config.TopologyMessageTimeoutSecs, 30)) * Stopwatch.Frequency,
            ReceiveBufferSize: Math.Max(2, Setting(problems, () => ConfigValues.RequirePositive(conf, Config.TopologyExecutorReceiveBufferSize, 32768))),
            ProducerBatchSize: Setting(problems, () => ConfigValues.RequirePositive(conf, Config.TopologyProducerBatchSize, 64)),
            TransferBatchSize: Setting(problems, () => ConfigValues.RequirePositive(conf, Config.TopologyTransferBatchSize, 64)),
            TransferBufferSize: Setting(problems, () => ConfigValues.RequirePositive(conf, Config.TopologyTransferBufferSize, 1000)),
            FlushMillis: Setting(problems, () => ConfigValues.RequirePositive(conf, Config.TopologyFlushTupleFreqMillis, 1)),
            Debug: Setting(problems, () => ConfigValues.GetBool(conf, Config.TopologyDebug, false)),
            ErrorsKept: Setting(problems, () => ConfigValues.RequirePositive(conf, Config.TopologyMaxErrorReportPerInterval, 10)),
            DieOnError: Setting(problems, () => ConfigValues.GetBool(conf, Config.TopologyWorkerDieOnError, false)),
            AlwaysTrySerialize: Setting(problems, () => ConfigValues.GetBool(conf, Config.TopologyTestingAlwaysTrySerialize, false)),
            Shuffle: Setting(problems, () => ShuffleSettings.Read(conf)) ?? ShuffleSettings.Default);
        Serializers = rebuildComponents
            ? Setting(problems, () => Serialization.TupleValueSerializerFactory.Create(conf, resolveType)) ?? Serialization.TupleValueSerializerRegistry.Empty
            : Serialization.TupleValueSerializerRegistry.Empty;

        // Per-component configuration: the topology's, overridden by what the component declares.
        foreach (var c in topology.Components)
        {
            var merged = new Dictionary<string, object?>(conf, StringComparer.Ordinal);
            foreach (var kv in c.Config)
            {
                merged[kv.Key] = kv.Value;
            }

            _componentConf[c.Id] = merged;
            if (StormSharp.Topology.Windowing.WindowSettings.IsWindowed(c.Config))
            {
                problems.AddRange(StormSharp.Topology.Windowing.WindowSettings.Problems(c.Id, merged));
            }

            foreach (var key in new[] { Config.TopologyMaxSpoutPending, Config.TopologyTickTupleFreqSecs, Config.TopologyTickTupleFreqMillis })
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

        // Rebuild each component once from its shipped state: what cannot be rebuilt is refused now. Nimbus numbers and
        // schedules without this (it runs no user code), having checked the types in the package as metadata.
        foreach (var c in rebuildComponents ? topology.Components : [])
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

        foreach (var (id, count) in executorCounts ?? (IEnumerable<KeyValuePair<string, int>>)[])
        {
            if (id == Utils.AckerComponentId)
            {
                continue; // the acker's executors follow topology.acker.executors, which Nimbus fixes at submit
            }

            // A rebalance may change a component's executors, never its tasks: Storm's rule, since tasks hold the keys.
            if (!topology.ById.TryGetValue(id, out var c))
            {
                problems.Add($"executor count given for '{id}', which is not a component of the topology");
            }
            else if (count < 1 || count > c.NumTasks)
            {
                problems.Add($"component '{id}' can have 1 to {c.NumTasks} executors (its task count), not {count}");
            }
        }

        if (problems.Count > 0)
        {
            throw new InvalidTopologyException(problems);
        }

        // Executors: each component's tasks split into as even consecutive ranges as its parallelism allows, spouts
        // first, the acker last (the order the even scheduler deals them over slots in).
        var plan = new List<ExecutorSpec>();
        foreach (var c in topology.Components.Where(c => c.IsSpout).Concat(topology.Components.Where(c => !c.IsSpout)))
        {
            var parallelism = executorCounts is not null && executorCounts.TryGetValue(c.Id, out var n) ? n : c.Parallelism;
            AddExecutors(plan, c.Id, c.IsSpout, _tasksOf[c.Id], Math.Min(parallelism, c.NumTasks));
        }

        if (ackers > 0)
        {
            AddExecutors(plan, Utils.AckerComponentId, false, AckerTasks, ackers);
        }

        Executors = plan;
        StreamTable = new Serialization.StreamTable(_streamList.Select(s => s.StreamId).Distinct());
    }

    public string StormId { get; }

    public string Name { get; }

    public StormTopology Topology { get; }

    public IReadOnlyDictionary<string, object?> Conf { get; }

    public Func<string, Type?> ResolveType { get; }

    /// <summary>The user-type serializers of <see cref="Config.TopologySerializationRegister"/>, for codecs and fields groupings.</summary>
    public Serialization.TupleValueSerializerRegistry Serializers { get; }

    /// <summary>How many workers the topology asks for (<c>topology.workers</c>, which a rebalance may change in the config).</summary>
    public int Workers { get; }

    public TopologySettings Settings { get; }

    /// <summary>Every executor of the topology, spouts first, the acker last.</summary>
    public IReadOnlyList<ExecutorSpec> Executors { get; }

    /// <summary>Stream ids as numbered on the wire: the same in every worker, since each derives it from the same definition.</summary>
    public Serialization.StreamTable StreamTable { get; }

    public IReadOnlyDictionary<int, string> TaskToComponent { get; }

    public int TaskCount { get; }

    public int[] AckerTasks { get; }

    public int StreamCount => _streamList.Count;

    public bool AckingEnabled => AckerTasks.Length > 0;

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

    /// <summary>The component ids that report errors: the user's and the acker.</summary>
    public IEnumerable<string> ComponentIds => Topology.Components.Select(c => c.Id).Append(Utils.AckerComponentId);

    private static void AddExecutors(List<ExecutorSpec> plan, string componentId, bool isSpout, int[] tasks, int parallelism)
    {
        parallelism = Math.Max(1, parallelism);
        var offset = 0;
        for (var i = 0; i < parallelism; i++)
        {
            var size = (tasks.Length / parallelism) + (i < tasks.Length % parallelism ? 1 : 0);
            plan.Add(new ExecutorSpec(componentId, tasks[offset..(offset + size)], isSpout));
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

/// <summary>One executor of a topology: its component and its consecutive tasks; identified by its first task.</summary>
internal sealed record ExecutorSpec(string ComponentId, int[] Tasks, bool IsSpout)
{
    public bool IsAcker => ComponentId == Utils.AckerComponentId;

    public int FirstTask => Tasks[0];
}

/// <summary>
/// The engine's settings of one topology, read and checked once from its configuration (defaults in
/// <c>defaults.yaml</c>, overridden by <c>storm.yaml</c> and the topology's config).
/// </summary>
/// <param name="MessageTimeoutTicks"><c>topology.message.timeout.secs</c>, in <see cref="Stopwatch"/> ticks.</param>
/// <param name="ReceiveBufferSize"><c>topology.executor.receive.buffer.size</c>: tuples per executor queue.</param>
/// <param name="ProducerBatchSize"><c>topology.producer.batch.size</c>: tuples per hand-over to a local executor.</param>
/// <param name="TransferBatchSize"><c>topology.transfer.batch.size</c>: tuples per frame to another worker.</param>
/// <param name="TransferBufferSize"><c>topology.transfer.buffer.size</c>: tuples a worker holds encoded for one other worker before refusing more.</param>
/// <param name="FlushMillis"><c>topology.flush.tuple.freq.millis</c>: how long a partial batch waits.</param>
/// <param name="Debug"><c>topology.debug</c>: log every emit.</param>
/// <param name="ErrorsKept"><c>topology.max.error.report.per.interval</c>: errors kept per component.</param>
/// <param name="DieOnError"><c>topology.worker.die.on.error</c>: an exception in Execute or NextTuple stops the worker.</param>
/// <param name="AlwaysTrySerialize"><c>topology.testing.always.try.serialize</c>: encode tuples that stay in their worker too.</param>
/// <param name="Shuffle">How shuffle groupings weigh load and locality.</param>
internal sealed record TopologySettings(
    long MessageTimeoutTicks,
    int ReceiveBufferSize,
    int ProducerBatchSize,
    int TransferBatchSize,
    int TransferBufferSize,
    int FlushMillis,
    bool Debug,
    int ErrorsKept,
    bool DieOnError,
    bool AlwaysTrySerialize,
    ShuffleSettings Shuffle);

/// <summary>
/// How a shuffle grouping chooses (Storm's LoadAwareShuffleGrouping): weighted towards targets with emptier receive
/// queues unless <paramref name="LoadAware"/> is off (<c>topology.disable.loadaware.messaging</c>); and keeping to
/// the emitter's worker while the mean load of its targets there stays at or under <paramref name="HigherBound"/>,
/// sending to all of them until the mean load of all falls under <paramref name="LowerBound"/>.
/// </summary>
internal sealed record ShuffleSettings(bool LoadAware, double HigherBound, double LowerBound)
{
    public static readonly ShuffleSettings Default = new(true, 0.8, 0.2);

    public static ShuffleSettings Read(IReadOnlyDictionary<string, object?> conf)
    {
        var higher = ConfigValues.GetDouble(conf, Config.TopologyLocalityAwareHigherBound, Default.HigherBound);
        var lower = ConfigValues.GetDouble(conf, Config.TopologyLocalityAwareLowerBound, Default.LowerBound);
        if (!(lower >= 0 && lower <= higher && higher <= 1))
        {
            throw new ArgumentException(FormattableString.Invariant(
                $"configuration '{Config.TopologyLocalityAwareLowerBound}' ({lower}) and '{Config.TopologyLocalityAwareHigherBound}' ({higher}) must be loads from 0 to 1, the lower bound not above the higher"));
        }

        return new ShuffleSettings(!ConfigValues.GetBool(conf, Config.TopologyDisableLoadAwareMessaging, false), higher, lower);
    }
}
