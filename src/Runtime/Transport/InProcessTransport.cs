using StormSharp.Runtime.Execution;
using StormSharp.Runtime.Queues;
using StormSharp.Runtime.Serialization;
using StormSharp.Runtime.Tuples;

namespace StormSharp.Runtime.Transport;

/// <summary>
/// The workers of a local cluster talking to each other inside one process. Tuples still cross in the wire
/// encoding, as they would between processes: a value that could not reach another worker fails here, in local
/// mode, with the same error, and the receiving side rebuilds its own tuples from the bytes.
/// </summary>
internal sealed class InProcessTransport(TopologyPlan plan) : IWorkerTransport
{
    private readonly List<WorkerRuntime> _workers = [];

    public void Register(WorkerRuntime worker)
    {
        lock (_workers)
        {
            _workers.Add(worker);
            _workers.Sort((a, b) => a.Worker.CompareTo(b.Worker));
        }
    }

    public ITupleSink Connect(int from, int to) => new Connection(plan, Find(to));

    public double LoadOfTask(int task)
    {
        foreach (var w in _workers)
        {
            if (w.LocalExecutorOfTask(task) is { } ex)
            {
                return ex.Queue.Load;
            }
        }

        return 0;
    }

    private WorkerRuntime Find(int worker)
    {
        lock (_workers)
        {
            return _workers.FirstOrDefault(w => w.Worker == worker)
                ?? throw new InvalidOperationException($"worker {worker} of topology '{plan.Name}' is not registered with the transport");
        }
    }

    /// <summary>One direction between two workers; used by one emitting executor thread at a time.</summary>
    private sealed class Connection : ITupleSink
    {
        private readonly TopologyPlan _plan;
        private readonly WorkerRuntime _to;
        private readonly TupleCodec _codec;
        private readonly TupleBatchWriter _writer;
        private readonly List<WireTuple> _decoded = [];
        private AckAnchor[] _anchors = new AckAnchor[8];
        private TupleImpl[] _rebuilt = new TupleImpl[64];

        public Connection(TopologyPlan plan, WorkerRuntime to)
        {
            _plan = plan;
            _to = to;
            _codec = new TupleCodec(new StreamTable(plan.Streams.Select(s => s.StreamId).Distinct()), plan.Serializers);
            _writer = new TupleBatchWriter(_codec);
        }

        public int TryPublish(ReadOnlySpan<TupleImpl> items)
        {
            // Several executors of one worker share this connection object, each from its own thread.
            lock (this)
            {
                _writer.Reset();
                var encoded = 0;
                foreach (var t in items)
                {
                    var n = t.AnchorCount;
                    if (n > _anchors.Length)
                    {
                        _anchors = new AckAnchor[n * 2];
                    }

                    for (var i = 0; i < n; i++)
                    {
                        _anchors[i] = new AckAnchor(t.RootAt(i), t.EdgeAt(i));
                    }

                    try
                    {
                        _writer.Add(t.SourceTask, t.DestTask, t.Stream.StreamId, _anchors.AsSpan(0, n), t.ValuesList);
                    }
                    catch (Exception e) when (e is NotSupportedException or InvalidOperationException)
                    {
                        if (encoded > 0)
                        {
                            break; // send what encoded; this tuple comes first next time and is dropped then
                        }

                        // A value with no wire encoding cannot reach the other worker: the emitting component hears of
                        // it, and the tuple's ack tree times out so a tracked spout tuple is failed, not lost silently.
                        var component = _plan.TaskToComponent.TryGetValue(t.SourceTask, out var c) ? c : "?";
                        _plan.ReportError(component, t.SourceTask, new InvalidOperationException(
                            $"a tuple from task {t.SourceTask} on stream '{t.Stream.StreamId}' to task {t.DestTask} in another worker was dropped: {e.Message}", e));
                        return 1;
                    }

                    encoded++;
                }

                _decoded.Clear();
                _codec.ReadBatch(_writer.WrittenSpan, _decoded);
                if (_rebuilt.Length < _decoded.Count)
                {
                    _rebuilt = new TupleImpl[_decoded.Count];
                }

                for (var i = 0; i < _decoded.Count; i++)
                {
                    var w = _decoded[i];
                    var stream = _plan.WireStream(w.SourceTask, w.StreamId);
                    var t = new TupleImpl(stream, w.Values, w.SourceTask, w.DestTask);
                    var system = stream.ComponentId == Topology.Utils.AckerComponentId;
                    foreach (var a in w.Anchors)
                    {
                        // Acker traffic is a batch of pairs applied in order; a data tuple's anchors are its roots.
                        if (system)
                        {
                            t.AppendPair(a.RootId, a.EdgeId);
                        }
                        else
                        {
                            t.AddAnchor(a.RootId, a.EdgeId);
                        }
                    }

                    _rebuilt[i] = t;
                }

                var accepted = _to.Accept(_rebuilt.AsSpan(0, _decoded.Count));
                Array.Clear(_rebuilt, 0, _decoded.Count);
                return accepted;
            }
        }
    }
}
