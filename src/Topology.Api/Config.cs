namespace StormSharp.Topology;

/// <summary>
/// A topology's configuration: Storm's keys and meanings. Values set here override <c>conf/storm.yaml</c>,
/// which overrides the engine's defaults.
/// </summary>
public sealed partial class Config : Dictionary<string, object?>
{
    /// <summary>Worker processes for the topology. Default 1.</summary>
    public const string TopologyWorkers = "topology.workers";

    /// <summary>Acker executors; 0 turns tracking off (spout tuples are acked as emitted). Default: one per worker.</summary>
    public const string TopologyAckerExecutors = "topology.acker.executors";

    /// <summary>Seconds a spout tuple's tree may take before it is failed. Default 30.</summary>
    public const string TopologyMessageTimeoutSecs = "topology.message.timeout.secs";

    /// <summary>How many Nimbus must hold a new topology's package before it is scheduled (Nimbus HA). Default 1.</summary>
    public const string TopologyMinReplicationCount = "topology.min.replication.count";

    /// <summary>Seconds a submit waits for <see cref="TopologyMinReplicationCount"/>, then goes on; -1 waits without bound. Default 60.</summary>
    public const string TopologyMaxReplicationWaitTimeSec = "topology.max.replication.wait.time.sec";

    /// <summary>Most tuples with a message id in flight per spout task; null for no bound. Default null.</summary>
    public const string TopologyMaxSpoutPending = "topology.max.spout.pending";

    /// <summary>Seconds between tick tuples sent to each bolt task; null for none. Default null.</summary>
    public const string TopologyTickTupleFreqSecs = "topology.tick.tuple.freq.secs";

    /// <summary>Capacity of each executor's receive queue, in tuples. Default 32768.</summary>
    public const string TopologyExecutorReceiveBufferSize = "topology.executor.receive.buffer.size";

    /// <summary>
    /// StormSharp's own: run each executor of a component (set in its component config) or of the whole topology on a
    /// thread of its own, as Storm does, instead of on the shared thread pool. For bolts and spouts that block on I/O;
    /// an executor whose cycles are seen blocking moves to its own thread anyway. Default false.
    /// </summary>
    public const string TopologyExecutorDedicatedThread = "topology.executor.dedicated.thread";

    /// <summary>Tuples an executor batches per destination before handing them over. Default 64.</summary>
    public const string TopologyProducerBatchSize = "topology.producer.batch.size";

    /// <summary>
    /// True: shuffle groupings deal tuples evenly, ignoring the targets' load and where they run. Default false: a
    /// shuffle favours less loaded targets and keeps to the emitter's own worker while its targets there keep up
    /// (Storm's LoadAwareShuffleGrouping).
    /// </summary>
    public const string TopologyDisableLoadAwareMessaging = "topology.disable.loadaware.messaging";

    /// <summary>
    /// A shuffle that keeps to its worker sends to every worker once the mean load (receive queue fill, 0 to 1) of its
    /// targets in the worker is above this. Default 0.8.
    /// </summary>
    public const string TopologyLocalityAwareHigherBound = "topology.localityaware.higher.bound";

    /// <summary>A shuffle sending to every worker keeps to its own again once its targets' mean load is below this. Default 0.2.</summary>
    public const string TopologyLocalityAwareLowerBound = "topology.localityaware.lower.bound";

    /// <summary>Tuples batched per message to another worker. Default 64.</summary>
    public const string TopologyTransferBatchSize = "topology.transfer.batch.size";

    /// <summary>
    /// Tuples a worker holds encoded for one other worker (sent or waiting for the network) before its executors keep
    /// the rest, which pushes back on their input. Default 1000, as in Storm.
    /// </summary>
    public const string TopologyTransferBufferSize = "topology.transfer.buffer.size";

    /// <summary>Milliseconds after which a partial batch is flushed. Default 1.</summary>
    public const string TopologyFlushTupleFreqMillis = "topology.flush.tuple.freq.millis";

    /// <summary>
    /// Share of tuples whose execute, process and complete latencies are timed, in (0, 1]. Counts (emitted, executed,
    /// acked, failed) are exact whatever the rate. Default 0.05, as in Storm.
    /// </summary>
    public const string TopologyStatsSampleRate = "topology.stats.sample.rate";

    /// <summary>Log every emitted tuple. Default false.</summary>
    public const string TopologyDebug = "topology.debug";

    /// <summary>The topology's name (set by the submitter).</summary>
    public const string TopologyName = "topology.name";

    /// <summary>Errors kept per component for stats and the UI. Default 10.</summary>
    public const string TopologyMaxErrorReportPerInterval = "topology.max.error.report.per.interval";

    /// <summary>
    /// What an exception thrown by <c>Execute</c>, <c>NextTuple</c>, <c>Ack</c> or <c>Fail</c> does. Default false: it
    /// is reported (the component's errors, the log) and its tuple failed, and the worker carries on. True is Storm's
    /// behaviour: the worker dies (a cluster's supervisor restarts it; <c>storm local</c> stops with exit code 1). A
    /// <c>Prepare</c> or <c>Open</c> that throws always stops the worker, as in Storm.
    /// </summary>
    public const string TopologyWorkerDieOnError = "topology.worker.die.on.error";

    /// <summary>
    /// Storm's key: encode every emitted tuple in the wire format even when it goes to a task of the same worker, so
    /// that a value no other process could receive fails its emit at once, naming the component, stream and field.
    /// Default false (a cluster's hot path never encodes a tuple that stays in its worker); <c>storm local</c> and
    /// <c>Testing.CompleteTopology</c> turn it on unless the topology's config sets it.
    /// </summary>
    public const string TopologyTestingAlwaysTrySerialize = "topology.testing.always.try.serialize";

    /// <summary>
    /// Serializers of user types in tuples: a list of single-entry maps from a type's assembly-qualified name to the
    /// assembly-qualified name of its <see cref="ITupleValueSerializer{T}"/>, as Storm's <c>topology.kryo.register</c>
    /// lists Kryo serializers. Type ids follow the type names' ordinal order, so every worker numbers them alike.
    /// Default: none. Set it with <see cref="RegisterSerialization"/>.
    /// </summary>
    public const string TopologySerializationRegister = "topology.serialization.register";

    /// <summary>
    /// Seconds a multilang subprocess (<see cref="ShellBolt"/>, <see cref="ShellSpout"/>) may go without answering a
    /// heartbeat or a spout call before it is killed and restarted. Default: <c>supervisor.worker.timeout.secs</c> (30).
    /// </summary>
    public const string TopologySubprocessTimeoutSecs = "topology.subprocess.timeout.secs";

    /// <summary>Sets <see cref="TopologyWorkers"/>.</summary>
    public Config SetNumWorkers(int workers) => Set(TopologyWorkers, workers);

    /// <summary>Sets <see cref="TopologyAckerExecutors"/>.</summary>
    public Config SetNumAckers(int ackers) => Set(TopologyAckerExecutors, ackers);

    /// <summary>Sets <see cref="TopologyMessageTimeoutSecs"/>.</summary>
    public Config SetMessageTimeoutSecs(int seconds) => Set(TopologyMessageTimeoutSecs, seconds);

    /// <summary>Sets <see cref="TopologyMaxSpoutPending"/>.</summary>
    public Config SetMaxSpoutPending(int pending) => Set(TopologyMaxSpoutPending, pending);

    /// <summary>Sets <see cref="TopologyTickTupleFreqSecs"/>.</summary>
    public Config SetTickTupleFreqSecs(int seconds) => Set(TopologyTickTupleFreqSecs, seconds);

    /// <summary>Sets <see cref="TopologyDebug"/>.</summary>
    public Config SetDebug(bool debug) => Set(TopologyDebug, debug);

    /// <summary>
    /// Registers <paramref name="serializer"/>, an <see cref="ITupleValueSerializer{T}"/> of <paramref name="type"/> with a
    /// public parameterless constructor, for values of exactly <paramref name="type"/> in tuples (Storm's
    /// <c>Config.registerSerialization</c>). Appends to <see cref="TopologySerializationRegister"/>; the topology is
    /// refused at submit when a type is registered twice or a name cannot be resolved in the workers.
    /// </summary>
    /// <exception cref="ArgumentException">The serializer does not implement ITupleValueSerializer of the type.</exception>
    public Config RegisterSerialization(Type type, Type serializer)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(serializer);
        if (!typeof(ITupleValueSerializer<>).MakeGenericType(type).IsAssignableFrom(serializer))
        {
            throw new ArgumentException(
                $"{serializer.FullName} does not implement ITupleValueSerializer<{type.Name}>, so it cannot serialize {type.FullName}", nameof(serializer));
        }

        var list = new List<object?>();
        if (TryGetValue(TopologySerializationRegister, out var existing) && existing is System.Collections.IEnumerable earlier and not string)
        {
            foreach (var entry in earlier)
            {
                list.Add(entry);
            }
        }

        list.Add(new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            [type.AssemblyQualifiedName!] = serializer.AssemblyQualifiedName,
        });
        this[TopologySerializationRegister] = list;
        return this;
    }

    /// <summary>Sets any key.</summary>
    public Config Set(string key, object? value)
    {
        this[key] = value;
        return this;
    }
}
