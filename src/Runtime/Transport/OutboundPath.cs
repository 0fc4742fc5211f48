using System.Buffers;
using Microsoft.Extensions.Logging;
using StormSharp.Runtime.Execution;
using StormSharp.Runtime.Queues;
using StormSharp.Runtime.Serialization;
using StormSharp.Runtime.Tuples;

namespace StormSharp.Runtime.Transport;

/// <summary>
/// A worker's tuples for one executor in another worker, on one lane: encoded into frames in the engine's wire format, held in a
/// buffer bounded by <c>topology.transfer.buffer.size</c> tuples, and sent in order by one loop. Executors hand
/// batches over as to a local queue: a full buffer takes nothing, and the emitter keeps its tuples until
/// <see cref="NotifyWhenRoom"/> wakes it. Shared by the worker's executors; they take a lock per batch, not per tuple.
/// </summary>
/// <remarks>
/// A path and its channel carry the tuples of one destination executor only. The receiving worker stops reading a
/// channel while the executor it feeds is full, and the tuples for that executor's other sources wait in their own
/// paths; a channel shared by several executors would make the tuples for all of them wait behind the full one.
/// Two workers whose chains cross back and forth then stop for good: each one's bolt waits for room in the other
/// worker, behind tuples waiting for room in the first.
/// </remarks>
/// <remarks>
/// Batches that arrive while the loop is sending are appended to the newest frame not yet sent (a frame is the format
/// byte and the tuples one after the other, so two batches make one frame), up to <see cref="FrameCapacity"/> bytes.
/// Light traffic goes out a batch a frame, as soon as it comes; under load a frame carries whatever came during the
/// last send, so the cost of a frame (a gRPC message, an HTTP/2 frame, a write, a read and a hop through the .NET
/// pool at each end) is shared by more tuples the busier the path is.
/// </remarks>
internal sealed class OutboundPath : ITupleSink, IAsyncDisposable
{
    /// <summary>Bytes a frame is rented with, and up to which later batches are appended to it.</summary>
    public const int FrameCapacity = 64 * 1024;

    private readonly object _gate = new();
    private readonly Queue<Frame> _frames = new();
    private Frame _tail; // the newest unsent frame, which later batches join; none while its Bytes is null
    private readonly List<Action> _waiters = [];
    private readonly TopologyDefinition _definition;
    private readonly TopologyServices _services;
    private readonly IFrameChannel _channel;
    private readonly TupleBatchWriter _writer;
    private readonly int _capacity;
    private readonly CancellationTokenSource _stop = new();
    private AckAnchor[] _anchors = new AckAnchor[8];
    private int _buffered;
    private bool _pumping;
    private bool _disposed;
    private long _dropped;

    public OutboundPath(TopologyDefinition definition, TopologyServices services, IFrameChannel channel, WorkerEndpoint to, int toExecutor, TransferLane lane, TupleCodec codec)
    {
        _definition = definition;
        _services = services;
        _channel = channel;
        To = to;
        ToExecutor = toExecutor;
        Lane = lane;
        _writer = new TupleBatchWriter(codec);
        _capacity = Math.Max(1, definition.Settings.TransferBufferSize);
    }

    public WorkerEndpoint To { get; }

    /// <summary>The first task of the executor this path feeds.</summary>
    public int ToExecutor { get; }

    public TransferLane Lane { get; }

    /// <summary>Tuples encoded and not yet taken by the transport (read by other threads).</summary>
    public int Buffered => Volatile.Read(ref _buffered);

    /// <summary>Tuples whose frames the transport dropped, or that were left when the path closed.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public int TryPublish(ReadOnlySpan<TupleImpl> items)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                // The worker this path led to is gone from the assignment: what was meant for it is lost, and its
                // spouts' timeouts replay it. Taking it keeps emitters from waiting on a path nobody drains.
                Interlocked.Add(ref _dropped, items.Length);
                return items.Length;
            }

            var room = _capacity - _buffered;
            if (room <= 0)
            {
                return 0;
            }

            var take = Math.Min(room, items.Length);
            var encoded = Encode(items[..take]);
            if (encoded > 0)
            {
                Append(_writer.WrittenSpan, encoded);
                _buffered += encoded;
                if (!_pumping)
                {
                    _pumping = true;
                    _ = Task.Run(PumpAsync);
                }
            }

            return take;
        }
    }

    public void NotifyWhenRoom(Action wake)
    {
        lock (_gate)
        {
            if (_buffered < _capacity || _disposed)
            {
                wake();
                return;
            }

            if (!_waiters.Contains(wake))
            {
                _waiters.Add(wake);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _channel.DisposeAsync().ConfigureAwait(false);
        lock (_gate)
        {
            if (!_pumping)
            {
                DropQueued();
            }

            WakeWaiters();
        }
    }

    /// <summary>
    /// Encodes <paramref name="items"/> into the writer and returns how many went in. A tuple that cannot be encoded
    /// is left out (the writer drops its partial bytes) and reported: it is taken all the same, not retried.
    /// </summary>
    private int Encode(ReadOnlySpan<TupleImpl> items)
    {
        _writer.Reset();
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
            catch (Exception e) when (e is NotSupportedException or InvalidOperationException or ArgumentException)
            {
                // A value with no wire encoding cannot reach the other worker: the emitting component hears of it, and
                // the tuple's ack tree times out so that a tracked spout tuple is failed, not lost silently.
                var component = _definition.TaskToComponent.TryGetValue(t.SourceTask, out var c) ? c : "?";
                _services.ReportError(component, t.SourceTask, new InvalidOperationException(
                    $"a tuple from task {t.SourceTask} on stream '{t.Stream.StreamId}' to task {t.DestTask} in worker {To} was dropped: {e.Message}", e));
            }
        }

        return _writer.Count;
    }

    /// <summary>Adds an encoded batch (format byte first) to the newest unsent frame when it fits, else starts a frame. Under the lock.</summary>
    private void Append(ReadOnlySpan<byte> batch, int tuples)
    {
        var body = batch[1..];
        if (_tail.Bytes is not null && _tail.Length + body.Length <= _tail.Bytes.Length)
        {
            body.CopyTo(_tail.Bytes.AsSpan(_tail.Length));
            _tail = _tail with { Length = _tail.Length + body.Length, Tuples = _tail.Tuples + tuples };
            return;
        }

        if (_tail.Bytes is not null)
        {
            _frames.Enqueue(_tail);
        }

        var bytes = ArrayPool<byte>.Shared.Rent(Math.Max(batch.Length, FrameCapacity));
        batch.CopyTo(bytes);
        _tail = new Frame(bytes, batch.Length, tuples);
    }

    /// <summary>The oldest frame to send: a full one from the queue, else the newest (no more is appended to it). Under the lock.</summary>
    private bool TryTakeFrame(out Frame frame)
    {
        if (_frames.TryDequeue(out frame))
        {
            return true;
        }

        if (_tail.Bytes is not null)
        {
            frame = _tail;
            _tail = default;
            return true;
        }

        return false;
    }

    private async Task PumpAsync()
    {
        while (true)
        {
            Frame frame;
            lock (_gate)
            {
                if (_disposed || !TryTakeFrame(out frame))
                {
                    if (_disposed)
                    {
                        DropQueued();
                    }

                    _pumping = false;
                    return;
                }
            }

            try
            {
                await _channel.SendAsync(frame.Bytes.AsMemory(0, frame.Length), _stop.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Interlocked.Add(ref _dropped, frame.Tuples);
                if (!_stop.IsCancellationRequested)
                {
                    _services.Logger.LogWarning(e, "Worker transfer to {Worker} (executor of task {Task}, {Lane}) dropped a frame of {Tuples} tuples", To, ToExecutor, Lane, frame.Tuples);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(frame.Bytes);
            }

            lock (_gate)
            {
                _buffered -= frame.Tuples;

                // Wake the refused emitters once half the buffer is free, not at every frame: fewer, fuller hand-overs.
                if (_waiters.Count > 0 && _buffered <= _capacity / 2)
                {
                    WakeWaiters();
                }
            }
        }
    }

    private void DropQueued()
    {
        while (TryTakeFrame(out var f))
        {
            Interlocked.Add(ref _dropped, f.Tuples);
            _buffered -= f.Tuples;
            ArrayPool<byte>.Shared.Return(f.Bytes);
        }
    }

    private void WakeWaiters()
    {
        foreach (var w in _waiters)
        {
            w();
        }

        _waiters.Clear();
    }

    private readonly record struct Frame(byte[] Bytes, int Length, int Tuples);
}
