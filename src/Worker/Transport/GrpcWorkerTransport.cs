using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StormSharp.Runtime.Execution;
using StormSharp.Runtime.Transport;

namespace StormSharp.Worker.Transport;

/// <summary>
/// Worker-to-worker transfer over gRPC for one worker of one topology: a Kestrel server on the worker's slot port
/// (HTTP/2, with TLS when <c>storm.messaging.tls</c>) receiving the other workers' frames, and one client stream per
/// lane to each executor of the other workers. On a secured cluster every call carries the topology's worker token and the port
/// refuses calls without it (<see cref="TransferSecurity"/>).
/// Bytes only; encoding, buffers and backpressure are the runtime's <see cref="OutboundPath"/> and
/// <see cref="InboundPath"/>, the same the in-process transport uses.
/// </summary>
internal sealed class GrpcWorkerTransport : IWorkerTransport, IAsyncDisposable
{
    /// <summary>Largest frame a worker accepts (a batch of big tuples); gRPC's 4 MB default is too small for that.</summary>
    public const int MaxFrameBytes = 64 * 1024 * 1024;

    private readonly IPAddress _listenAddress;
    private readonly ILoggerFactory _loggerFactory;
    private WebApplication? _app;
    private volatile InboundPath? _inbound;

    public GrpcWorkerTransport(
        string topologyId,
        WorkerEndpoint endpoint,
        IPAddress listenAddress,
        ILoggerFactory loggerFactory,
        TransferOptions? options = null,
        TransferSecurity? security = null)
    {
        TopologyId = topologyId;
        Endpoint = endpoint;
        _listenAddress = listenAddress;
        _loggerFactory = loggerFactory;
        Options = options ?? new TransferOptions();
        Security = security ?? TransferSecurity.None;
        Authenticator = new TransferAuthenticator(topologyId, Security.Token, loggerFactory.CreateLogger<TransferAuthenticator>());
    }

    public string TopologyId { get; }

    public WorkerEndpoint Endpoint { get; }

    public TransferOptions Options { get; }

    /// <summary>The worker token calls carry and TLS, when the cluster is secured.</summary>
    public TransferSecurity Security { get; }

    /// <summary>What every call passes before its frames are read.</summary>
    internal TransferAuthenticator Authenticator { get; }

    /// <summary>Starts listening on the endpoint's port; throws naming the address when it is taken.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(_loggerFactory);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.Services.AddSingleton(this);
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = MaxFrameBytes;
            o.EnableDetailedErrors = true;
        });
        var certificate = Security.ServerCertificate;
        if (certificate is not null)
        {
            // The slim builder leaves Kestrel's TLS out unless asked for.
            builder.WebHost.UseKestrelHttpsConfiguration();
        }

        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(_listenAddress, Endpoint.Port, l =>
            {
                l.Protocols = HttpProtocols.Http2;
                if (certificate is not null)
                {
                    l.UseHttps(certificate);
                }
            });
        });
        var app = builder.Build();
        app.MapGrpcService<TransferEndpoint>();
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new IOException($"the worker cannot listen on {_listenAddress}:{Endpoint.Port}: {e.Message}", e);
        }

        _app = app;
    }

    /// <summary>Makes <paramref name="worker"/> the receiver of this port's frames.</summary>
    public void Register(WorkerRuntime worker) => _inbound = worker.Inbound;

    public IFrameChannel Connect(WorkerEndpoint from, WorkerEndpoint to, TransferLane lane) =>
        new GrpcFrameChannel(this, from, to, lane, _loggerFactory.CreateLogger<GrpcFrameChannel>());

    internal InboundPath? InboundOf(string topologyId) => topologyId == TopologyId ? _inbound : null;

    public async ValueTask DisposeAsync()
    {
        _inbound = null;
        if (_app is { } app)
        {
            _app = null;
            // Calls from other workers never end by themselves: give them a moment to finish the frame they are on.
            using (var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(1)))
            {
                await app.StopAsync(stopping.Token).ConfigureAwait(false);
            }

            await app.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>How a worker's transfer connections behave when the other worker is slow to answer or away.</summary>
internal sealed record TransferOptions
{
    /// <summary>How long one frame may wait for a connection to its worker before it is dropped (and replayed by spout timeouts).</summary>
    public TimeSpan SendTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>First wait between connection attempts; it doubles up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(1);
}
