using System.Collections.Concurrent;
using StormSharp.Runtime.Execution;

namespace StormSharp.Runtime.Transport;

/// <summary>
/// The workers of a local cluster talking to each other inside one process. It moves the same frames a network
/// would, in the wire encoding, so that a value that could not reach another worker fails here, in local mode, with
/// the same error, and the receiving worker rebuilds its own tuples from the bytes.
/// </summary>
internal sealed class InProcessTransport : IWorkerTransport
{
    private readonly ConcurrentDictionary<WorkerEndpoint, InboundPath> _workers = new();

    /// <summary>Makes <paramref name="worker"/>'s inbound path reachable at its endpoint.</summary>
    public void Register(WorkerRuntime worker) => _workers[worker.Endpoint] = worker.Inbound;

    public void Unregister(WorkerEndpoint endpoint) => _workers.TryRemove(endpoint, out _);

    public IFrameChannel Connect(WorkerEndpoint from, WorkerEndpoint to, TransferLane lane) => new Channel(this, to);

    private sealed class Channel(InProcessTransport transport, WorkerEndpoint to) : IFrameChannel
    {
        private InboundPath? _target;
        private InboundPath.Reader? _reader;

        public ValueTask SendAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
        {
            // Resolved at first use, and again if the worker there was replaced: workers register in any order.
            if (!transport._workers.TryGetValue(to, out var target))
            {
                throw new InvalidOperationException($"no worker is listening at {to}");
            }

            if (!ReferenceEquals(target, _target))
            {
                _target = target;
                _reader = target.Open();
            }

            return _reader!.ReceiveAsync(frame, cancellationToken);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
