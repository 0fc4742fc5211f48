namespace StormSharp.Topology;

/// <summary>Keys of windowed and stateful bolts (Storm's names), set through their builders or the topology's config.</summary>
public sealed partial class Config
{
    /// <summary>A windowed bolt's window length in tuples. Set by <c>BaseWindowedBolt.WithWindow</c>.</summary>
    public const string TopologyBoltsWindowLengthCount = "topology.bolts.window.length.count";

    /// <summary>A windowed bolt's window length in milliseconds. Set by <c>BaseWindowedBolt.WithWindow</c>.</summary>
    public const string TopologyBoltsWindowLengthDurationMs = "topology.bolts.window.length.duration.ms";

    /// <summary>A windowed bolt's slide in tuples. Set by <c>BaseWindowedBolt.WithWindow</c>.</summary>
    public const string TopologyBoltsSlidingIntervalCount = "topology.bolts.sliding.interval.count";

    /// <summary>A windowed bolt's slide in milliseconds. Set by <c>BaseWindowedBolt.WithWindow</c>.</summary>
    public const string TopologyBoltsSlidingIntervalDurationMs = "topology.bolts.sliding.interval.duration.ms";

    /// <summary>The field holding a tuple's event time (milliseconds since the epoch, a long); unset for processing time.</summary>
    public const string TopologyBoltsTupleTimestampFieldName = "topology.bolts.tuple.timestamp.field.name";

    /// <summary>How far, in milliseconds, event time may run out of order before a tuple is late. Default 0.</summary>
    public const string TopologyBoltsTupleTimestampMaxLagMs = "topology.bolts.tuple.timestamp.max.lag.ms";

    /// <summary>Milliseconds between watermarks of an event-time windowed bolt. Default 1000.</summary>
    public const string TopologyBoltsWatermarkEventIntervalMs = "topology.bolts.watermark.event.interval.ms";

    /// <summary>The stream late tuples go to (field <c>late_tuple</c>: the late tuple's values); unset drops them.</summary>
    public const string TopologyBoltsLateTupleStream = "topology.bolts.late.tuple.stream";

    /// <summary>
    /// Milliseconds between tick tuples sent to each bolt task (StormSharp's finer form of
    /// <see cref="TopologyTickTupleFreqSecs"/>, which wins when both are set); null for none. Windowed bolts set it.
    /// </summary>
    public const string TopologyTickTupleFreqMillis = "topology.tick.tuple.freq.millis";

    /// <summary>Milliseconds between checkpoints of a topology with stateful bolts. Default 1000; at least 100.</summary>
    public const string TopologyStateCheckpointIntervalMs = "topology.state.checkpoint.interval.ms";

    /// <summary>
    /// Where stateful bolts keep their state: <c>memory</c> (default; this process only), <c>file</c> (under
    /// <c>storm.local.dir</c>/state, one host), or the assembly-qualified name of an <c>IStateProvider</c>, such as
    /// the Redis connector's <c>RedisKeyValueStateProvider</c>.
    /// </summary>
    public const string TopologyStateProvider = "topology.state.provider";

    /// <summary>The state provider's own settings (a JSON object as a string, as in Storm), e.g. Redis's host and port.</summary>
    public const string TopologyStateProviderConfig = "topology.state.provider.config";

    /// <summary>Sets <see cref="TopologyStateCheckpointIntervalMs"/>.</summary>
    public Config SetCheckpointIntervalMs(int millis) => Set(TopologyStateCheckpointIntervalMs, millis);

    /// <summary>Sets <see cref="TopologyStateProvider"/>.</summary>
    public Config SetStateProvider(string provider) => Set(TopologyStateProvider, provider);
}
