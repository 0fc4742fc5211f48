using StormSharp.Runtime.Execution;
using StormSharp.Runtime.Serialization;
using StormSharp.Runtime.Tuples;

namespace StormSharp.Runtime.Transport;

/// <summary>
/// Frames from other workers into this worker's executors: decoded, checked against the topology (stream, source and
/// destination task) and published to the executors' queues in order. A frame is checked whole before any of it is
/// delivered, so a garbage or truncated frame delivers nothing and its connection is dropped by the transport. When
/// a queue is full, delivery waits for room, and the transport reads no further from that connection meanwhile:
/// that is how a full executor holds back the workers that feed it. Each connection carries the tuples of one
/// executor (one <see cref="OutboundPath"/> per destination executor), so the wait holds back nothing else.
/// </summary>
internal sealed class InboundPath(WorkerRuntime worker, Func<TupleCodec> newCodec)
{
    private readonly WorkerRuntime _worker = worker;
    private int _holding;

    /// <summary>Frames decoded and waiting for room in a queue (read by other threads).</summary>
    public int Holding => Volatile.Read(ref _holding);

    /// <summary>A reader for one connection: frames of one connection are delivered in order, one at a time.</summary>
    public Reader Open() => new(this, newCodec());

    internal sealed class Reader(InboundPath path, TupleCodec codec)
    {
        private readonly List<WireTuple> _decoded = [];
        private TupleImpl[] _rebuilt = new TupleImpl[64];
        private Executor[] _targets = new Executor[64];

        // The stream of the last tuple: the tuples of a frame mostly share source task and stream, and the decoder
        // hands out the stream table's own string for a numbered stream, so one comparison replaces three lookups.
        private int _lastSource = -1;
        private string? _lastStreamId;
        private StreamInfo? _lastStream;

        /// <summary>
        /// Delivers one frame; completes once every tuple in it is in a queue. Throws <see cref="InvalidDataException"/>
        /// (or <see cref="WireFormatException"/>) for a frame that is not a valid batch of this topology.
        /// </summary>
        public async ValueTask ReceiveAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
        {
            var worker = path._worker;
            var definition = worker.Definition;
            _decoded.Clear();
            codec.ReadBatch(frame.Span, _decoded);
            var count = _decoded.Count;
            if (_rebuilt.Length < count)
            {
                _rebuilt = new TupleImpl[count];
                _targets = new Executor[count];
            }

            for (var i = 0; i < count; i++)
            {
                var w = _decoded[i];
                StreamInfo stream;
                if (w.SourceTask == _lastSource && ReferenceEquals(w.StreamId, _lastStreamId))
                {
                    stream = _lastStream!;
                }
                else
                {
                    stream = definition.WireStream(w.SourceTask, w.StreamId);
                    (_lastSource, _lastStreamId, _lastStream) = (w.SourceTask, w.StreamId, stream);
                }

                _targets[i] = worker.LocalExecutorOfTask(w.DestTask)
                    ?? throw new InvalidDataException($"worker {worker.Endpoint} was sent a tuple for task {w.DestTask}, which it does not run");
                var t = new TupleImpl(stream, w.Values, w.SourceTask, w.DestTask);
                var acking = stream.Acking;
                foreach (var a in w.Anchors)
                {
                    // Acker traffic is a batch of pairs applied in order; a data tuple's anchors are its roots.
                    if (acking)
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

            _decoded.Clear();
            try
            {
                var next = 0;
                while (next < count)
                {
                    // A run of tuples for one executor goes into its queue in one hand-over.
                    var ex = _targets[next];
                    var end = next + 1;
                    while (end < count && ReferenceEquals(_targets[end], ex))
                    {
                        end++;
                    }

                    var taken = ex.Queue.TryPublish(_rebuilt.AsSpan(next, end - next));
                    next += taken;
                    if (next == end)
                    {
                        continue;
                    }

                    Interlocked.Increment(ref path._holding);
                    try
                    {
                        var room = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                        ex.Queue.NotifyWhenRoom(() => room.TrySetResult());
                        await room.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        Interlocked.Decrement(ref path._holding);
                    }
                }
            }
            finally
            {
                Array.Clear(_rebuilt, 0, count);
                Array.Clear(_targets, 0, count);
            }
        }
    }
}
