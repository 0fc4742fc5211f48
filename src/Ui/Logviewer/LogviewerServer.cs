using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;
using StormSharp.Runtime.Configuration;
using StormSharp.Ui.Internal;
using StormSharp.Ui.Logviewer;

namespace StormSharp.Ui;

/// <summary>
/// <c>storm logviewer</c> in-process: serves the workers' logs of this host (<c>storm.log.dir/workers-artifacts</c>)
/// on <c>logviewer.port</c>, as Storm's logviewer does: <c>/log?file=</c> (a page: the tail, paging, search,
/// download), <c>/api/v1/log</c> (a page of bytes), <c>/api/v1/download</c>, <c>/api/v1/search</c>. Names outside
/// the workers' log folder are refused with a 400. With security on it takes the UI's credentials (<see cref="Internal.UiAuth"/>).
/// </summary>
public sealed class LogviewerServer : IAsyncDisposable
{
    private const int DefaultLength = 51200;

    private readonly WebApplication _app;
    private int _stopped;

    private LogviewerServer(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    /// <summary>The bound port (<c>logviewer.port</c>, or the one picked when it is 0).</summary>
    public int Port { get; }

    public static async Task<LogviewerServer> StartAsync(IReadOnlyDictionary<string, object?> conf, ILoggerFactory loggers, CancellationToken ct)
    {
        var options = ClusterOptions.From(conf, Environment.CurrentDirectory);
        options.Security.RequireSecret();
        var certificate = HttpsListen.Certificate(options.Security);
        var auth = new UiAuth(options.Security, loggers.CreateLogger("StormSharp.Logviewer.Security"));
        var logs = new WorkerLogs(options.Worker.LogDir);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Any, options.LogviewerPort, l => HttpsListen.Configure(l, options.Security, certificate)));
        var app = builder.Build();
        try
        {
            app.UseExceptionHandler(new ExceptionHandlerOptions
            {
                ExceptionHandler = WriteErrorAsync,

                // A refused request is the caller's mistake, answered with its reason, not the server's error: logging
                // each with its stack would let anyone write to the log at will (the login page's files are open to all).
                SuppressDiagnosticsCallback = c => c.Exception is LogRequestException or BadHttpRequestException,
            });

            // The same credentials as the UI's (its session cookie is the host's, whatever the port).
            app.Use(auth.InvokeAsync);
            var files = Directory.Exists(UiServer.ContentDirectory) ? new PhysicalFileProvider(UiServer.ContentDirectory) : null;
            if (files is not null)
            {
                app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
            }

            // Routing after the files, so that the catch-all below does not hide the page's scripts.
            app.UseRouting();
            auth.Map(app);

            app.MapGet("/log", async (HttpContext h) =>
            {
                logs.Resolve(h.Request.Query["file"]);
                h.Response.ContentType = "text/html; charset=utf-8";
                await h.Response.SendFileAsync(Path.Combine(UiServer.ContentDirectory, "log.html")).ConfigureAwait(false);
            });
            app.MapGet("/api/v1/log", (HttpContext h) =>
            {
                var file = logs.Resolve(h.Request.Query["file"]);
                var start = OptionalLong(h, "start");
                var length = (int)Math.Min(OptionalLong(h, "length") ?? DefaultLength, WorkerLogs.MaxLength);
                var (from, size, text) = WorkerLogs.Read(file, start, Math.Max(1, length));
                return Results.Text(new JsonObject
                {
                    ["file"] = h.Request.Query["file"].ToString(),
                    ["start"] = from,
                    ["length"] = System.Text.Encoding.UTF8.GetByteCount(text),
                    ["size"] = size,
                    ["content"] = text,
                }.ToJsonString(), "application/json; charset=utf-8");
            });
            app.MapGet("/api/v1/download", (HttpContext h) =>
            {
                var file = logs.Resolve(h.Request.Query["file"]);
                var name = h.Request.Query["file"].ToString().Replace('/', '-');
                var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                return Results.File(stream, "text/plain", name);
            });
            app.MapGet("/api/v1/search", (HttpContext h) =>
            {
                var fileName = h.Request.Query["file"].ToString();
                var file = logs.Resolve(fileName);
                var needle = h.Request.Query["search-string"].ToString();
                if (needle.Length is 0 or > 1024)
                {
                    throw new LogRequestException(400, "search-string must be 1 to 1024 characters");
                }

                var max = (int)Math.Clamp(OptionalLong(h, "num-matches") ?? 10, 1, 1000);
                var offset = OptionalLong(h, "start-byte-offset") ?? 0;
                var matches = new JsonArray();
                foreach (var (at, before, match, after) in WorkerLogs.Search(file, needle, offset, max))
                {
                    matches.Add(new JsonObject
                    {
                        ["byteOffset"] = at,
                        ["beforeString"] = before,
                        ["matchString"] = match,
                        ["afterString"] = after,
                        ["logviewerURL"] = $"/log?file={Uri.EscapeDataString(fileName)}&start={Math.Max(0, at - (DefaultLength / 2))}&length={DefaultLength}",
                    });
                }

                return Results.Text(new JsonObject
                {
                    ["file"] = fileName,
                    ["searchString"] = needle,
                    ["startByteOffset"] = offset,
                    ["matches"] = matches,
                }.ToJsonString(), "application/json; charset=utf-8");
            });
            app.Map("/{**rest}", (HttpContext h) => throw new LogRequestException(404, $"nothing at {h.Request.Path}"));
            try
            {
                await app.StartAsync(ct).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new IOException($"the logviewer cannot listen on port {options.LogviewerPort} (logviewer.port): {e.Message}", e);
            }

            var port = new Uri(app.Urls.First().Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "127.0.0.1", StringComparison.Ordinal)).Port;
            loggers.CreateLogger<LogviewerServer>().LogInformation("Logviewer serving {Root} on port {Port}", logs.Root, port);
            return new LogviewerServer(app, port);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

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
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    private static long? OptionalLong(HttpContext h, string name)
    {
        var s = h.Request.Query[name].ToString();
        if (s.Length == 0)
        {
            return null;
        }

        return long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : throw new LogRequestException(400, $"{name} must be a whole number, 0 or more, not '{s}'");
    }

    private static async Task WriteErrorAsync(HttpContext h)
    {
        var error = h.Features.Get<IExceptionHandlerFeature>()?.Error;
        var (status, message) = error switch
        {
            LogRequestException l => (l.Status, l.Message),
            BadHttpRequestException b => (b.StatusCode, b.Message),
            IOException io => (503, "the log cannot be read: " + io.Message),
            _ => (500, $"{error?.GetType().Name}: {error?.Message}"),
        };
        h.Response.StatusCode = status;
        h.Response.ContentType = "application/json; charset=utf-8";
        await h.Response.WriteAsync(RestApi.ErrorBody(status, message).ToJsonString()).ConfigureAwait(false);
    }
}
