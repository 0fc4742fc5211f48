using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using StormSharp.Runtime.Execution;
using StormSharp.Runtime.Transport;

namespace StormSharp.Worker.Transport;

/// <summary>
/// One lane to one executor of another worker: a gRPC client stream on a connection of its own (so that a stalled
/// stream cannot use up the HTTP/2 connection window the others need). It connects on first use and again after a
/// failure, backing off; a frame that finds no connection within <see cref="TransferOptions.SendTimeout"/> is dropped
/// with an exception, which the outbound path counts. Written by one send loop at a time.
/// </summary>
internal sealed class GrpcFrameChannel : IFrameChannel
{
    private static readonly long LogEveryTicks = Stopwatch.Frequency * 5;

    private readonly GrpcWorkerTransport _transport;
    private readonly WorkerEndpoint _from;
    private readonly WorkerEndpoint _to;
    private readonly TransferLane _lane;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _closed = new();
    private readonly OutgoingFrame _frame = new();
    private GrpcChannel? _channel;
    private AsyncClientStreamingCall<OutgoingFrame, TransferReply>? _call;
    private TimeSpan _backoff;
    private long _lastLog;
    private int _failures;

    public GrpcFrameChannel(GrpcWorkerTransport transport, WorkerEndpoint from, WorkerEndpoint to, TransferLane lane, ILogger logger)
    {
        _transport = transport;
        _from = from;
        _to = to;
        _lane = lane;
        _logger = logger;
        _backoff = transport.Options.MinBackoff;
    }

    public async ValueTask SendAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closed.Token);
        var ct = linked.Token;
        var deadline = Stopwatch.GetTimestamp() + (long)(_transport.Options.SendTimeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var call = _call ??= Open();
            try
            {
                _frame.Memory = frame;
                try
                {
                    await call.RequestStream.WriteAsync(_frame, ct).ConfigureAwait(false);
                }
                finally
                {
                    _frame.Memory = default; // the caller's pooled buffer goes back once this returns
                }

                if (_failures > 0)
                {
                    _logger.LogInformation("Transfer to {Worker} ({Lane}) connected after {Failures} failed attempts", _to, _lane, _failures);
                    _failures = 0;
                }

                _backoff = _transport.Options.MinBackoff;
                return;
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is RpcException or IOException or InvalidOperationException or HttpRequestException)
            {
                _failures++;
                Reset();
                var now = Stopwatch.GetTimestamp();
                if (now - _lastLog > LogEveryTicks)
                {
                    _lastLog = now;
                    _logger.LogWarning("Transfer to {Worker} ({Lane}) failed, retrying: {Problem}", _to, _lane, Describe(e));
                }

                if (now + (long)(_backoff.TotalSeconds * Stopwatch.Frequency) > deadline)
                {
                    throw new TimeoutException($"worker {_to} did not take a frame within {_transport.Options.SendTimeout.TotalSeconds:0.#} s ({Describe(e)})", e);
                }

                await Task.Delay(_backoff, ct).ConfigureAwait(false);
                _backoff = TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, _transport.Options.MaxBackoff.Ticks));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_closed.IsCancellationRequested)
        {
            return;
        }

        var call = _call;
        _call = null;
        if (call is not null)
        {
            try
            {
                // A graceful end lets the receiver finish the frames it has; bounded, since it may be the one stalled.
                await call.RequestStream.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
                await call.ResponseAsync.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RpcException or IOException or InvalidOperationException or TimeoutException)
            {
                // The peer is gone or stalled: nothing more to hand over.
            }

            call.Dispose();
        }

        await _closed.CancelAsync().ConfigureAwait(false);
        _channel?.Dispose();
        _channel = null;
    }

    private AsyncClientStreamingCall<OutgoingFrame, TransferReply> Open()
    {
        if (_channel is null)
        {
            var security = _transport.Security;
            var handler = new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(2),
                KeepAlivePingDelay = TimeSpan.FromSeconds(10),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            };
            security.Client.ConfigureTls(handler.SslOptions);
            _channel = GrpcChannel.ForAddress($"{security.Client.UriScheme}://{_to}", new GrpcChannelOptions
            {
                MaxSendMessageSize = GrpcWorkerTransport.MaxFrameBytes,
                HttpHandler = handler,
            });
        }

        var headers = new Metadata
        {
            { TransferMethods.TopologyHeader, _transport.TopologyId },
            { TransferMethods.FromHeader, _from.ToString() },
            { TransferMethods.LaneHeader, _lane.ToString() },
        };
        if (_transport.Security.Token is { } token)
        {
            headers.Add(TransferMethods.TokenHeader, token);
        }

        return _channel.CreateCallInvoker().AsyncClientStreamingCall(TransferMethods.Send, null, new CallOptions(headers, cancellationToken: _closed.Token));
    }

    private void Reset()
    {
        var call = _call;
        _call = null;
        call?.Dispose();
    }

    private static string Describe(Exception e) => e is RpcException r ? $"{r.StatusCode}: {r.Status.Detail}" : e.Message;
}
