using System.Collections.Concurrent;
using System.Diagnostics;
using StormSharp.Runtime.Execution;
using StormSharp.Runtime.Stats;
using StormSharp.Topology;

namespace StormSharp.Runtime;

/// <summary>Helpers for testing topologies, after Storm's Testing class.</summary>
public static class Testing
{
    /// <summary>
    /// Storm's completeTopology: runs <paramref name="topology"/> in a local cluster with each spout named in
    /// <paramref name="mockedSources"/> replaced by one that emits exactly those tuples (with message ids, on the
    /// default stream, spread over the spout's tasks), with <c>topology.testing.always.try.serialize</c> on unless
    /// <paramref name="config"/> sets it, waits until every tuple is acked or failed and the topology is
    /// quiet, and returns what every component emitted. Throws <see cref="TimeoutException"/> naming what was still
    /// busy when <paramref name="timeout"/> (default 60 s) passes, and <see cref="InvalidOperationException"/> naming
    /// the component when a worker dies (a Prepare or Open threw, or an Execute with
    /// <c>topology.worker.die.on.error</c>).
    /// </summary>
    public static CompletedTopology CompleteTopology(
        StormTopology topology,
        IReadOnlyDictionary<string, IReadOnlyList<IReadOnlyList<object?>>> mockedSources,
        IDictionary<string, object?>? config = null,
        TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(mockedSources);
        var key = Guid.NewGuid().ToString("N");
        var components = new List<ComponentDeclaration>();
        var expected = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var c in topology.Components)
        {
            if (!mockedSources.TryGetValue(c.Id, out var tuples))
            {
                components.Add(c);
                continue;
            }

            if (!c.IsSpout)
            {
                throw new ArgumentException($"mocked source '{c.Id}' is a bolt; only spouts can be mocked", nameof(mockedSources));
            }

            var spout = new FixedTupleSpout(key, c.Id, tuples.Select(t => t.ToList()).ToList());
            components.Add(new ComponentDeclaration(
                c.Id, true, SerializedObject.Capture(spout, $"mocked source '{c.Id}'"), c.Parallelism, c.NumTasks, c.Config, c.Inputs, c.Outputs));
            expected[c.Id] = tuples.Count;
        }

        foreach (var id in mockedSources.Keys)
        {
            if (!topology.ById.ContainsKey(id))
            {
                throw new ArgumentException($"mocked source '{id}' is not a component of the topology", nameof(mockedSources));
            }
        }

        var mocked = new StormTopology(components);
        var emitted = new ConcurrentQueue<(string Component, string Stream, IReadOnlyList<object?> Values)>();
        var name = "completed-" + key[..8];
        using var cluster = new LocalCluster();
        LocalTopology? running = null;
        // Every emitted tuple is encoded on trial unless the config says otherwise: a test with one worker must find
        // the value a cluster could not send.
        var conf = new Dictionary<string, object?>(config ?? new Dictionary<string, object?>(), StringComparer.Ordinal);
        conf.TryAdd(Config.TopologyTestingAlwaysTrySerialize, true);
        cluster.Submit(name, conf, mocked, rt =>
        {
            running = rt;
            rt.Services.Capture = (component, stream, values) => emitted.Enqueue((component, stream, values));
        });

        var deadline = Stopwatch.GetTimestamp() + (long)((timeout ?? TimeSpan.FromSeconds(60)).TotalSeconds * Stopwatch.Frequency);
        string busy;
        var quietChecks = 0;
        long lastProcessed = -1;
        while (true)
        {
            busy = Busy(running!, key, expected, out var processed);
            quietChecks = busy.Length == 0 && processed == lastProcessed ? quietChecks + 1 : 0;
            lastProcessed = processed;
            if (quietChecks >= 3)
            {
                break;
            }

            if (running!.Services.Death is { } death)
            {
                cluster.KillTopology(name);
                FixedTupleSpout.Forget(key);
                throw new InvalidOperationException($"the topology stopped: {death}", death.Error);
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                cluster.KillTopology(name);
                FixedTupleSpout.Forget(key);
                throw new TimeoutException($"topology did not complete in time: {(busy.Length == 0 ? "still processing" : busy)}");
            }

            Thread.Sleep(20);
        }

        var info = cluster.GetTopologyInfo(name);
        cluster.KillTopology(name);
        FixedTupleSpout.Forget(key);
        return new CompletedTopology(emitted.ToArray(), info);
    }

    private static string Busy(LocalTopology running, string key, Dictionary<string, int> expected, out long processed)
    {
        processed = 0;
        foreach (var (component, count) in expected)
        {
            var sent = FixedTupleSpout.Emitted(key, component);
            if (sent < count)
            {
                return $"spout '{component}' has emitted {sent} of {count} tuples";
            }
        }

        foreach (var w in running.Workers)
        {
            if (w.HasTransfersInFlight)
            {
                return $"worker {w.Endpoint} has tuples on their way to or from another worker";
            }
        }

        foreach (var e in running.Executors)
        {
            processed += e.Processed;
            if (e.Queue.Count > 0 || e.HasBacklog || e.Polled != e.Processed)
            {
                return $"executor of '{e.ComponentId}' has tuples queued or in progress";
            }

            if (e is SpoutExecutor s && s.PendingCount > 0)
            {
                return $"spout '{e.ComponentId}' has {s.PendingCount} tuples not yet acked or failed";
            }
        }

        return string.Empty;
    }
}

/// <summary>What <see cref="Testing.CompleteTopology"/> observed.</summary>
public sealed class CompletedTopology
{
    private readonly (string Component, string Stream, IReadOnlyList<object?> Values)[] _emitted;

    internal CompletedTopology((string Component, string Stream, IReadOnlyList<object?> Values)[] emitted, TopologyInfo info)
    {
        _emitted = emitted;
        Info = info;
    }

    /// <summary>The topology's stats at completion.</summary>
    public TopologyInfo Info { get; }

    /// <summary>The tuples <paramref name="componentId"/> emitted on <paramref name="streamId"/>, in emit order per task.</summary>
    public IReadOnlyList<IReadOnlyList<object?>> Emitted(string componentId, string streamId = Utils.DefaultStreamId) =>
        [.. _emitted.Where(e => e.Component == componentId && e.Stream == streamId).Select(e => e.Values)];
}

/// <summary>Emits a fixed list of tuples with message ids, each task its share; what <see cref="Testing"/> mocks spouts with.</summary>
internal sealed class FixedTupleSpout : BaseRichSpout
{
    private static readonly ConcurrentDictionary<string, int> Counts = new(StringComparer.Ordinal);

    private readonly string _key;
    private readonly string _component;
    private readonly List<List<object?>> _tuples;
    [NonSerialized]
    private ISpoutOutputCollector? _collector;
    private int _next;
    private int _stride;

    public FixedTupleSpout(string key, string component, List<List<object?>> tuples)
    {
        _key = key;
        _component = component;
        _tuples = tuples;
    }

    public static int Emitted(string key, string component) => Counts.TryGetValue(key + "/" + component, out var n) ? n : 0;

    public static void Forget(string key)
    {
        foreach (var k in Counts.Keys.Where(k => k.StartsWith(key + "/", StringComparison.Ordinal)))
        {
            Counts.TryRemove(k, out _);
        }
    }

    public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector)
    {
        _collector = collector;
        _next = context.ThisTaskIndex;
        _stride = context.GetComponentTasks(context.ThisComponentId).Count;
        Counts.TryAdd(_key + "/" + _component, 0);
    }

    public override void NextTuple()
    {
        if (_next >= _tuples.Count)
        {
            return;
        }

        var index = _next;
        _next += _stride;
        _collector!.Emit(_tuples[index], index);
        Counts.AddOrUpdate(_key + "/" + _component, 1, (_, n) => n + 1);
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
        // Never called: the mocked spout keeps the declarations of the spout it replaces.
    }
}
