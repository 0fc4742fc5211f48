using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;
using StormSharp.Cluster.Rpc;
using StormSharp.Cluster.Security;
using StormSharp.Runtime.Configuration;
using StormSharp.Ui.Internal;

namespace StormSharp.Ui;

/// <summary>
/// <c>storm ui</c> in-process: serves Storm's UI REST API (<c>/api/v1/...</c>), the pages (<c>/index.html</c>,
/// <c>/topology.html?id=</c>, <c>/component.html?id=&amp;topology_id=</c>, <c>/supervisor.html?id=</c>) with their
/// scripts, and <c>/metrics</c>, on <c>ui.host</c>:<c>ui.port</c>, reading everything from the leading Nimbus
/// (<c>nimbus.seeds</c>, <c>nimbus.thrift.port</c>). It keeps no state of its own: a restarted UI shows the same.
/// </summary>
/// <remarks>
/// A bad request is answered with Storm's error body (<c>{"error": "400 Bad Request", "errorMessage": ...}</c>) and
/// a 4xx; Nimbus being away is a 503; nothing a request carries can stop the server.
/// </remarks>
public sealed class UiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly NimbusLeaderClient _nimbus;
    private readonly IDisposable? _metrics;
    private int _stopped;

    private UiServer(WebApplication app, NimbusLeaderClient nimbus, IDisposable? metrics, int port)
    {
        _app = app;
        _nimbus = nimbus;
        _metrics = metrics;
        Port = port;
    }

    /// <summary>The bound port (<c>ui.port</c>, or the one picked when it is 0).</summary>
    public int Port { get; }

    /// <summary>The folder the pages are served from: <c>ui-wwwroot</c> beside this assembly.</summary>
    public static string ContentDirectory => Path.Combine(AppContext.BaseDirectory, "ui-wwwroot");

    /// <summary>
    /// Starts the UI on <paramref name="conf"/> (defaults, storm.yaml and overrides). Throws
    /// <see cref="ConfigurationException"/> naming every bad key, and <see cref="IOException"/> when the port is taken.
    /// </summary>
    public static async Task<UiServer> StartAsync(IReadOnlyDictionary<string, object?> conf, ILoggerFactory loggers, CancellationToken ct)
    {
        var options = ClusterOptions.From(conf, Environment.CurrentDirectory);
        var security = options.Security;
        security.RequireSecret();
        var daemon = ClusterCredentials.ForDaemon(security, "ui");
        var certificate = HttpsListen.Certificate(security);
        var auth = new UiAuth(security, loggers.CreateLogger("StormSharp.Ui.Security"));
        var nimbus = new NimbusLeaderClient(
            NimbusLeaderClient.Addresses(options.Nimbus.Seeds, options.Nimbus.ApiPort),
            TimeSpan.FromSeconds(10),
            new ClientSecurity { Tls = daemon.Tls, TrustedAuthorities = daemon.TrustedAuthorities, Token = UiAuth.NimbusToken(daemon) });
        var reader = new NimbusReader(nimbus);
        var api = new RestApi(reader, conf, options.LogviewerPort, Version);
        WebApplication? app = null;
        try
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton(loggers);
            builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
            var metrics = UiMetrics.Add(builder.Services, reader, loggers.CreateLogger<UiServer>());
            var address = await ListenAddressAsync(options.UiHost, ct).ConfigureAwait(false);
            builder.WebHost.ConfigureKestrel(k => k.Listen(address, options.UiPort, l => HttpsListen.Configure(l, security, certificate)));
            app = builder.Build();
            var logger = loggers.CreateLogger<UiServer>();
            app.UseExceptionHandler(e => e.Run(h => WriteErrorAsync(h, logger)));
            app.UseStatusCodePages(h => WriteStatusAsync(h.HttpContext));
            app.Use(auth.InvokeAsync);
            if (Directory.Exists(ContentDirectory))
            {
                var files = new PhysicalFileProvider(ContentDirectory);
                app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
                app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
            }

            UiMetrics.Map(app);
            auth.Map(app);
            api.Map(app);
            try
            {
                await app.StartAsync(ct).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new IOException($"the UI cannot listen on {options.UiHost}:{options.UiPort} (ui.host, ui.port): {e.Message}", e);
            }

            var port = new Uri(app.Urls.First().Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "127.0.0.1", StringComparison.Ordinal)).Port;
            logger.LogInformation("UI serving on {Host}:{Port} ({Scheme}), reading Nimbus at {Nimbus}", options.UiHost, port, security.Tls ? "https" : "http", string.Join(",", nimbus.Seeds));
            if (!security.Enabled)
            {
                logger.LogWarning("Security is off (storm.auth.scheme: none): anyone who can reach port {Port} can see every topology and kill it. See the README's Security section.", port);
            }

            return new UiServer(app, nimbus, metrics, port);
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }

            nimbus.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Where <c>ui.host</c> says to listen: every interface for <c>0.0.0.0</c>, an address as given, and for a host name
    /// (localhost included) the first address it resolves to, IPv4 before IPv6. A name that does not resolve is a configuration error naming it.
    /// </summary>
    private static async Task<IPAddress> ListenAddressAsync(string host, CancellationToken ct)
    {
        if (host is "0.0.0.0" or "*")
        {
            return IPAddress.Any;
        }

        if (IPAddress.TryParse(host, out var ip))
        {
            return ip;
        }

        IPAddress[] resolved;
        try
        {
            resolved = await Dns.GetHostAddressesAsync(host, ct).ConfigureAwait(false);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new ConfigurationException([$"configuration 'ui.host' must be an address or a host name that resolves, not '{host}': {e.Message}"]);
        }

        return resolved.OrderBy(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 0 : 1).FirstOrDefault()
            ?? throw new ConfigurationException([$"configuration 'ui.host' must be an address or a host name that resolves, not '{host}' (no address)"]);
    }

    internal static string Version { get; } = typeof(UiServer).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public async Task StopAsync(CancellationToken ct)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        using (var stopping = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            stopping.CancelAfter(TimeSpan.FromSeconds(5));
            await _app.StopAsync(stopping.Token).ConfigureAwait(false);
        }

        await _app.DisposeAsync().ConfigureAwait(false);
        _metrics?.Dispose();
        _nimbus.Dispose();
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    private static async Task WriteErrorAsync(HttpContext h, ILogger logger)
    {
        var error = h.Features.Get<IExceptionHandlerFeature>()?.Error;
        var (status, message) = error switch
        {
            ApiException a => (a.Status, a.Message),
            BadHttpRequestException b => (b.StatusCode, b.Message),
            _ => (500, $"{error?.GetType().Name}: {error?.Message}"),
        };
        if (status >= 500 && error is not ApiException)
        {
            logger.LogError(error, "{Method} {Path} failed", h.Request.Method, h.Request.Path);
        }

        h.Response.StatusCode = status;
        h.Response.ContentType = "application/json; charset=utf-8";
        await h.Response.WriteAsync(RestApi.ErrorBody(status, message).ToJsonString()).ConfigureAwait(false);
    }

    private static async Task WriteStatusAsync(HttpContext h)
    {
        var status = h.Response.StatusCode;
        h.Response.ContentType = "application/json; charset=utf-8";
        var message = status == 404 ? $"nothing at {h.Request.Path}" : status == 405 ? $"{h.Request.Method} is not allowed on {h.Request.Path}" : ReasonPhrases.GetReasonPhrase(status);
        await h.Response.WriteAsync(RestApi.ErrorBody(status, message).ToJsonString()).ConfigureAwait(false);
    }
}
