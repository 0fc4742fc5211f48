using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using StormSharp.Integration.Tests.Infrastructure;
using StormSharp.Runtime.Configuration;
using StormSharp.ZooKeeper.Tests.Infrastructure;

namespace StormSharp.Ui.Tests.Infrastructure;

/// <summary>
/// A real cluster (<see cref="ClusterRig"/>: ZooKeeper, Nimbus, one supervisor with two slots, worker processes) with
/// the logviewer serving that supervisor's logs and the UI reading Nimbus, both in this process on 127.0.0.1 and free
/// ports. Disposing stops the UI, the logviewer and then the cluster (which kills its workers by pid).
/// </summary>
internal sealed class UiRig : IAsyncDisposable
{
    private readonly LogTail _uiLog;

    private UiRig(ClusterRig cluster, LogviewerServer logviewer, UiServer ui, string supervisorLogDir, LogTail uiLog)
    {
        _uiLog = uiLog;
        Cluster = cluster;
        Logviewer = logviewer;
        Ui = ui;
        SupervisorLogDir = supervisorLogDir;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ui.Port}"), Timeout = TimeSpan.FromSeconds(20) };
    }

    public ClusterRig Cluster { get; }

    public LogviewerServer Logviewer { get; }

    public UiServer Ui { get; private set; }

    public HttpClient Http { get; }

    /// <summary>The UI's log, for watching what it writes.</summary>
    public LogTail UiLog => _uiLog;

    public string SupervisorLogDir { get; }

    public Uri Address => Http.BaseAddress!;

    /// <summary>Starts the cluster, the logviewer and the UI; <paramref name="uiConf"/> is added to the UI's config.</summary>
    public static async Task<UiRig> StartAsync(StandaloneServerFixture zooKeeper, IReadOnlyDictionary<string, object?>? uiConf = null)
    {
        var cluster = await ClusterRig.StartAsync(zooKeeper);
        LogviewerServer? logviewer = null;
        try
        {
            await cluster.StartSupervisorAsync("a");
            var logDir = Path.Combine(cluster.Directory, "a", "logs");
            logviewer = await LogviewerServer.StartAsync(
                new Dictionary<string, object?>(ConfigLoader.Defaults) { ["storm.log.dir"] = logDir, ["logviewer.port"] = 0 },
                LoggerFactory.Create(_ => { }),
                CancellationToken.None).Within("the logviewer to start");
            var uiLog = new LogTail();
            var conf = UiConf(cluster, logviewer.Port);
            foreach (var (key, value) in uiConf ?? new Dictionary<string, object?>())
            {
                conf[key] = value;
            }

            var ui = await UiServer.StartAsync(conf, uiLog.CreateFactory(), CancellationToken.None).Within("the UI to start");
            return new UiRig(cluster, logviewer, ui, logDir, uiLog);
        }
        catch
        {
            if (logviewer is not null)
            {
                await logviewer.DisposeAsync();
            }

            await cluster.DisposeAsync();
            throw;
        }
    }

    public static Dictionary<string, object?> UiConf(ClusterRig cluster, int logviewerPort) => new(ConfigLoader.Defaults)
    {
        ["nimbus.seeds"] = new List<object?> { "127.0.0.1" },
        ["nimbus.thrift.port"] = cluster.Nimbus.Port,
        ["ui.host"] = "127.0.0.1",
        ["ui.port"] = 0,
        ["logviewer.port"] = logviewerPort,
    };

    /// <summary>GET, expecting 200 and a JSON object.</summary>
    public async Task<JsonObject> GetAsync(string path)
    {
        using var response = await Http.GetAsync(path).Within("GET " + path, TimeSpan.FromSeconds(20));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text) as JsonObject ?? throw new InvalidOperationException($"GET {path} answered no JSON object: {text}");
    }

    /// <summary>Sends a request expecting a failure: returns the status and Storm's error body, checking its shape.</summary>
    public async Task<(int Status, string Error, string Message)> FailAsync(HttpMethod method, string path, string? jsonBody = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (jsonBody is not null)
        {
            request.Content = new StringContent(jsonBody, System.Text.Encoding.UTF8, "application/json");
        }

        using var response = await Http.SendAsync(request).Within(method + " " + path, TimeSpan.FromSeconds(20));
        var text = await response.Content.ReadAsStringAsync();
        var body = JsonNode.Parse(text) as JsonObject;
        Assert.True(body is not null, $"{method} {path} answered {(int)response.StatusCode} without a JSON error body: {text}");
        Assert.Equal("String", JsonValueKind(body!["error"]));
        Assert.Equal("String", JsonValueKind(body["errorMessage"]));
        return ((int)response.StatusCode, body["error"]!.GetValue<string>(), body["errorMessage"]!.GetValue<string>());
    }

    public async Task<JsonObject> PostAsync(string path, object? body = null)
    {
        using var response = body is null ? await Http.PostAsync(path, null).Within("POST " + path) : await Http.PostAsJsonAsync(path, body).Within("POST " + path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path} answered {(int)response.StatusCode}: {text}");
        return (JsonObject)JsonNode.Parse(text)!;
    }

    /// <summary>Stops the UI and starts another on the same port, as an operator restarting <c>storm ui</c> would.</summary>
    public async Task RestartUiAsync()
    {
        var port = Ui.Port;
        await Ui.StopAsync(CancellationToken.None).Within("the UI to stop");
        var conf = UiConf(Cluster, Logviewer.Port);
        conf["ui.port"] = port;
        Ui = await UiServer.StartAsync(conf, _uiLog.CreateFactory(), CancellationToken.None).Within("the UI to start again on port " + port);
    }

    public static string JsonValueKind(JsonNode? node) => node?.GetValueKind().ToString() ?? "Null";

    public string Describe() => Cluster.Describe() + "\n--- ui ---\n" + _uiLog;

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Ui.DisposeAsync();
        await Logviewer.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}
