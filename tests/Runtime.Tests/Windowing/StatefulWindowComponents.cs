using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using StormSharp.Topology;
using StormSharp.Topology.State;
using StormSharp.Topology.Windowing;

namespace StormSharp.Runtime.Tests.Windowing;

/// <summary>What the stateful window tests' components saw, per test key, in the order it happened.</summary>
internal static class StatefulWindowBoard
{
    private static readonly ConcurrentDictionary<string, Log> Logs = new();

    public static Log Of(string key) => Logs.GetOrAdd(key, _ => new Log());

    public static void Forget(string key) => Logs.TryRemove(key, out _);

    /// <summary>A step the window bolt took: "init" (with the fire count its state restored), "fire" (with the window's numbers), or "rollback".</summary>
    internal sealed record Step(string Kind, long Index, long[] Numbers, string Detail = "");

    internal sealed class Log
    {
        private readonly object _gate = new();
        private readonly List<Step> _steps = [];

        public ConcurrentDictionary<string, int> Tasks { get; } = new();

        public ConcurrentQueue<string> Seeks { get; } = new();

        public ConcurrentDictionary<long, int> Acked { get; } = new();

        public long Emitted;

        /// <summary>The spout stops before this number until the test lets it go (-1: no gate).</summary>
        public long GateAt = -1;

        public int FailPrepareAt = -1;

        public void Add(Step step)
        {
            lock (_gate)
            {
                _steps.Add(step);
            }
        }

        public List<Step> Steps()
        {
            lock (_gate)
            {
                return [.. _steps];
            }
        }
    }

    /// <summary>The committed entries of a state namespace of the in-memory provider, its keys and values as JSON.</summary>
    public static StoredState Stored(string topology, string ns)
    {
        using var store = new InMemoryStateProvider().Open(topology, ns, new Dictionary<string, object?>());
        return store.Load();
    }

    /// <summary>The committed KeyValueState&lt;string, long&gt; of a stateful bolt's task.</summary>
    public static Dictionary<string, long> Committed(string topology, string ns)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var kv in Stored(topology, ns).Committed)
        {
            result[JsonSerializer.Deserialize<string>(kv.Key)!] = JsonSerializer.Deserialize<long>(kv.Value);
        }

        return result;
    }
}

/// <summary>Emits ("n") for n in 0..count-1 with message id n, in order; rewinds to a position (the next n).</summary>
internal sealed class NumberSpout(string key, int count, int pauseMs = 0) : BaseRichSpout, ICheckpointableSpout
{
    [NonSerialized]
    private ISpoutOutputCollector? _collector;
    [NonSerialized]
    private long _next;

    public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector) => _collector = collector;

    public override void NextTuple()
    {
        var log = StatefulWindowBoard.Of(key);
        var gate = Interlocked.Read(ref log.GateAt);
        if (_next >= count || (gate >= 0 && _next >= gate))
        {
            return;
        }

        _collector!.Emit([_next], _next);
        Interlocked.Increment(ref log.Emitted);
        _next++;
        if (pauseMs > 0)
        {
            Thread.Sleep(pauseMs);
        }
    }

    public string? GetPosition() => _next.ToString(CultureInfo.InvariantCulture);

    public void Seek(string? position)
    {
        _next = position is null ? 0 : long.Parse(position, CultureInfo.InvariantCulture);
        StatefulWindowBoard.Of(key).Seeks.Enqueue(position ?? "start");
    }

    public override void Ack(object msgId) => StatefulWindowBoard.Of(key).Acked.AddOrUpdate((long)msgId, 1, (_, n) => n + 1);

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("n"));
}

/// <summary>
/// Sums each window into its state: "fires" counts the windows, "sum/k" is window k's sum. Logs every init, fire and
/// rollback; at a rollback, what its stores had committed and prepared.
/// </summary>
internal sealed class WindowSumBolt(string key) : BaseStatefulWindowedBolt<KeyValueState<string, long>>
{
    [NonSerialized]
    private KeyValueState<string, long>? _state;
    [NonSerialized]
    private IOutputCollector? _collector;
    [NonSerialized]
    private string? _topology;
    [NonSerialized]
    private string? _ns;

    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector)
    {
        _collector = collector;
        _topology = (string)conf[Config.TopologyName]!;
        _ns = context.ThisComponentId + "-" + context.ThisTaskId.ToString(CultureInfo.InvariantCulture);
        StatefulWindowBoard.Of(key).Tasks[context.ThisComponentId] = context.ThisTaskId;
    }

    public override void InitState(KeyValueState<string, long> state)
    {
        _state = state;
        StatefulWindowBoard.Of(key).Add(new("init", state.Get("fires", 0), []));
    }

    public override void PreRollback()
    {
        var user = StatefulWindowBoard.Stored(_topology!, _ns!);
        var windows = StatefulWindowBoard.Stored(_topology!, _ns + "-window");
        StatefulWindowBoard.Of(key).Add(new(
            "rollback", Math.Max(user.CommittedTxid, windows.CommittedTxid), [],
            $"user committed {user.CommittedTxid}, windows committed {windows.CommittedTxid}"));
    }

    public override void Execute(TupleWindow window)
    {
        var numbers = window.Get().Select(t => t.GetLongByField("n")).ToArray();
        var k = _state!.Get("fires", 0);
        _state.Put("sum/" + k.ToString(CultureInfo.InvariantCulture), numbers.Sum());
        _state.Put("fires", k + 1);
        StatefulWindowBoard.Of(key).Add(new("fire", k, numbers));
        _collector!.Emit([k, numbers.Sum()]);
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("window", "sum"));
}

/// <summary>Counts its inputs in its state; the PREPARE of txid <c>FailPrepareAt</c> fails once.</summary>
internal sealed class FailingPrepareBolt(string key) : BaseStatefulBolt<KeyValueState<string, long>>
{
    [NonSerialized]
    private KeyValueState<string, long>? _state;
    [NonSerialized]
    private IOutputCollector? _collector;

    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector) => _collector = collector;

    public override void InitState(KeyValueState<string, long> state) => _state = state;

    public override void PrePrepare(long txid)
    {
        var log = StatefulWindowBoard.Of(key);
        if (txid == log.FailPrepareAt && Interlocked.Exchange(ref log.FailPrepareAt, -1) == txid)
        {
            throw new InvalidOperationException($"prepare of checkpoint {txid} fails on purpose");
        }
    }

    public override void Execute(ITuple input)
    {
        _state!.Put("count", _state.Get("count", 0) + 1);
        _collector!.Ack(input);
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
    }
}

/// <summary>A stateful windowed bolt without persistence that records its windows and commits on the windowing board.</summary>
internal sealed class VolatileRecordingBolt(string key) : BaseStatefulWindowedBolt<KeyValueState<string, long>>
{
    public override void InitState(KeyValueState<string, long> state)
    {
    }

    public override void PreCommit(long txid) => WindowBoard.Of(key).Add("commit " + txid.ToString(CultureInfo.InvariantCulture));

    public override void Execute(TupleWindow window)
    {
        static long[] Ns(IReadOnlyList<ITuple> ts) => ts.Select(t => t.GetLongByField("n")).ToArray();
        WindowBoard.Of(key).Add(new WindowBoard.Fired(Ns(window.Get()), Ns(window.GetNew()), Ns(window.GetExpired()), window.StartTimestamp, window.EndTimestamp));
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
    }
}
