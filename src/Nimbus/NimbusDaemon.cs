using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StormSharp.Cluster;
using StormSharp.Cluster.Security;
using StormSharp.Nimbus.Internal;
using StormSharp.Packaging;
using StormSharp.Runtime.Configuration;
using StormSharp.ZooKeeper;

namespace StormSharp.Nimbus;

/// <summary>
/// The Nimbus daemon in-process: connects to ZooKeeper, serves <c>nimbus.proto</c> over HTTP/2 (h2c) on
/// <c>nimbus.thrift.port</c>, registers under <c>/nimbuses</c> and joins the leader election. Only the leader
/// changes topologies and schedules; a follower answers those calls with FAILED_PRECONDITION and a
/// <c>storm-leader: host:port</c> trailer, and serves reads (cluster info, topology info and errors). Every Nimbus
/// copies the blobs it lacks from the others every <c>nimbus.code.sync.freq.secs</c>, and the one first in the
/// election leads only once it holds every topology's blobs, or gives way to a live Nimbus that holds them.
/// </summary>
/// <remarks>
/// State lives in ZooKeeper (storm bases, assignments, errors) and in the blob store under
/// <c>storm.local.dir/nimbus</c> (packages and documents), so a restarted Nimbus resumes managing what runs;
/// worker heartbeats are in memory only, and after a start every worker gets <c>nimbus.task.launch.secs</c>
/// before a missing heartbeat counts.
/// </remarks>
public sealed class NimbusDaemon : IAsyncDisposable
{
    private readonly IClusterState _state;
    private readonly bool _ownsState;
    private readonly NimbusCore _core;
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stop = new();
    private readonly ILogger _logger;
    private IAsyncDisposable? _supervisorWatch;
    private Task _monitor = Task.CompletedTask;
    private Task _blobSync = Task.CompletedTask;
    private int _stopped;

    private NimbusDaemon(IClusterState state, bool ownsState, NimbusCore core, WebApplication app, ILogger logger)
    {
        _state = state;
        _ownsState = ownsState;
        _core = core;
        _app = app;
        _logger = logger;
    }

    /// <summary>The port the API is bound to (<c>nimbus.thrift.port</c>, or the one picked when it is 0).</summary>
    public int Port => _core.Port;

    /// <summary>This Nimbus's id in the cluster, <c>host:port</c>.</summary>
    public string Id => _core.NimbusId;

    /// <summary>Whether this Nimbus leads now.</summary>
    public bool IsLeader => _core.IsLeader;

    /// <summary>
    /// Starts Nimbus on <paramref name="conf"/> (defaults, storm.yaml and overrides, e.g. <c>CommandLineConfig.Load</c>),
    /// connecting to <c>storm.zookeeper.servers</c>. Throws <c>ConfigurationException</c> naming every bad key, and
    /// <see cref="ClusterStateUnavailableException"/> when ZooKeeper cannot be reached.
    /// </summary>
    public static async Task<NimbusDaemon> StartAsync(IReadOnlyDictionary<string, object?> conf, ILoggerFactory loggers, CancellationToken ct)
    {
        var options = ClusterOptions.From(conf, Environment.CurrentDirectory);
        var zk = options.ZooKeeper;
        var state = await ZooKeeperClusterState.ConnectAsync(
            new ZooKeeperClientOptions { ConnectionString = zk.ConnectionString, SessionTimeout = zk.SessionTimeout, ConnectTimeout = zk.ConnectionTimeout, LoggerFactory = loggers },
            new ClusterStateOptions { Root = zk.Root, DigestAuth = zk.DigestAuth },
            ct).ConfigureAwait(false);
        return await StartAsync(conf, options, state, ownsState: true, loggers, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts Nimbus on a cluster state of the caller's (e.g. an <see cref="InMemoryClusterState"/> session), which is
    /// not disposed on stop. <c>storm.zookeeper.*</c> is not used.
    /// </summary>
    public static Task<NimbusDaemon> StartAsync(IReadOnlyDictionary<string, object?> conf, IClusterState state, ILoggerFactory loggers, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(state);
        var options = ClusterOptions.From(conf, Environment.CurrentDirectory);
        return StartAsync(conf, options, state, ownsState: false, loggers, ct);
    }

    private static async Task<NimbusDaemon> StartAsync(
        IReadOnlyDictionary<string, object?> conf, ClusterOptions cluster, IClusterState state, bool ownsState, ILoggerFactory loggers, CancellationToken ct)
    {
        var logger = loggers.CreateLogger<NimbusDaemon>();
        var options = cluster.Nimbus;
        var security = cluster.Security;
        security.RequireSecret();
        WebApplication? app = null;
        try
        {
            var core = new NimbusCore(state, options, conf, new LocalBlobStore(options.BlobStoreDirectory), loggers)
            {
                PeerSecurity = ClusterCredentials.ForDaemon(security, "nimbus"),
            };
            var guard = new NimbusGuard(security, loggers);
            var certificate = security.Tls ? TlsFiles.LoadCertificate(security.TlsCertificatePath!, security.TlsKeyPath!) : null;
            core.RemoveLeftovers();
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton(loggers);
            builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
            builder.Services.AddSingleton(core);
            builder.Services.AddSingleton(guard);
            builder.Services.AddGrpc(o =>
            {
                o.MaxReceiveMessageSize = 8 * 1024 * 1024;
                o.Interceptors.Add<NimbusGuard>();
            });
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Any, options.ApiPort, l =>
            {
                l.Protocols = HttpProtocols.Http2;
                if (certificate is not null)
                {
                    // Client certificates are asked for, not required: a token is enough, and the guard names what is missing.
                    l.UseHttps(certificate, https =>
                    {
                        https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                        https.AllowAnyClientCertificate();
                    });
                }
            }));
            app = builder.Build();
            app.Use(guard.AuthenticateRequestAsync);
            app.MapGrpcService<NimbusService>();
            try
            {
                await app.StartAsync(ct).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new IOException($"Nimbus cannot listen on port {options.ApiPort} (nimbus.thrift.port): {e.Message}", e);
            }

            core.Port = new Uri(app.Urls.First()).Port;
            core.Host = options.Hostname ?? Dns.GetHostName();
            core.NimbusId = $"{core.Host}:{core.Port}";
            var daemon = new NimbusDaemon(state, ownsState, core, app, logger);
            state.LeadershipChanged += core.OnLeadershipChanged;
            await state.RegisterNimbusAsync(
                new NimbusSummary { Host = core.Host, Port = core.Port, StartTimeMs = core.StartTimeMs, Version = NimbusCore.Version }, ct).ConfigureAwait(false);
            daemon._supervisorWatch = await state.WatchSupervisorsAsync(_ => core.Wake(), ct).ConfigureAwait(false);
            await state.JoinLeaderElectionAsync(core.NimbusId, ct).ConfigureAwait(false);
            if (state.IsLeader)
            {
                core.OnLeadershipChanged(true);
            }

            daemon._monitor = Task.Run(() => core.RunMonitorAsync(daemon._stop.Token), CancellationToken.None);
            daemon._blobSync = Task.Run(() => core.RunBlobSyncAsync(daemon._stop.Token), CancellationToken.None);
            logger.LogInformation("Nimbus {Id} serving on port {Port} ({Transport})", core.NimbusId, core.Port, security.Tls ? "TLS" : "plain HTTP/2");
            if (!security.Enabled)
            {
                logger.LogWarning(
                    "Security is off (storm.auth.scheme: none): anyone who can reach port {Port} can submit code to this cluster, kill its topologies and read their configs. See the README's Security section.",
                    core.Port);
            }
            else if (!security.Tls)
            {
                logger.LogWarning("Tokens are checked but travel unencrypted (no storm.tls.certificate.path): anyone on the network path can copy one.");
            }

            return daemon;
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }

            if (ownsState)
            {
                await state.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>
    /// Stops monitoring, leaves the election (so another Nimbus can take over at once), stops serving and closes the
    /// ZooKeeper session when it owns it. Topologies keep running; nothing durable is removed.
    /// </summary>
    public async Task StopAsync(CancellationToken ct)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _monitor.ConfigureAwait(false);
        await _blobSync.ConfigureAwait(false);
        _core.DisposePeers();
        _state.LeadershipChanged -= _core.OnLeadershipChanged;
        try
        {
            await _state.LeaveLeaderElectionAsync().ConfigureAwait(false);
            if (_supervisorWatch is not null)
            {
                await _supervisorWatch.DisposeAsync().ConfigureAwait(false);
            }
        }
        catch (ClusterStateUnavailableException e)
        {
            _logger.LogWarning("Leaving the election failed; the session's end releases it: {Message}", e.Message);
        }

        using (var stopping = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            stopping.CancelAfter(TimeSpan.FromSeconds(5));
            await _app.StopAsync(stopping.Token).ConfigureAwait(false);
        }

        await _app.DisposeAsync().ConfigureAwait(false);
        if (_ownsState)
        {
            await _state.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
        _logger.LogInformation("Nimbus {Id} stopped", _core.NimbusId);
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);
}
