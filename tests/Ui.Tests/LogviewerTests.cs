using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using StormSharp.Runtime.Configuration;
using StormSharp.Tests.Shared;
using StormSharp.Ui.Tests.Infrastructure;
using StormSharp.ZooKeeper.Tests.Infrastructure;

namespace StormSharp.Ui.Tests;

/// <summary>The logviewer over HTTP on a folder of worker logs made by the test: paging, search, download, refusals.</summary>
public sealed class LogviewerTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "stormsharp-logviewer-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly ErrorLog _errors = new();
    private LogviewerServer? _server;
    private HttpClient? _http;

    private HttpClient Http => _http!;

    public async Task InitializeAsync()
    {
        var worker = Path.Combine(_dir, "logs", "workers-artifacts", "topo-1-1", "6700");
        Directory.CreateDirectory(worker);
        var log = new StringBuilder();
        for (var i = 0; i < 40_000; i++)
        {
            log.Append("line ").Append(i).Append(i == 30_000 ? " NEEDLE found here" : string.Empty).Append('\n');
        }

        await File.WriteAllTextAsync(Path.Combine(worker, "worker.log"), log.ToString());
        await File.WriteAllTextAsync(Path.Combine(_dir, "secret.txt"), "not a log");
        File.CreateSymbolicLink(Path.Combine(worker, "escape.log"), Path.Combine(_dir, "secret.txt"));
        _server = await LogviewerServer.StartAsync(
            new Dictionary<string, object?>(ConfigLoader.Defaults) { ["storm.log.dir"] = Path.Combine(_dir, "logs"), ["logviewer.port"] = 0 },
            LoggerFactory.Create(b => b.AddProvider(_errors)),
            CancellationToken.None).Within("the logviewer to start");
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_server.Port}"), Timeout = TimeSpan.FromSeconds(15) };
    }

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Log_WithoutStart_ReturnsTheTailAndPagesBackward()
    {
        var tail = await GetAsync("/api/v1/log?file=topo-1-1/6700/worker.log&length=100");
        var size = tail["size"]!.GetValue<long>();
        Assert.Equal(size - 100, tail["start"]!.GetValue<long>());
        Assert.EndsWith("line 39999\n", tail["content"]!.GetValue<string>(), StringComparison.Ordinal);

        var head = await GetAsync("/api/v1/log?file=topo-1-1%2F6700%2Fworker.log&start=0&length=14");
        Assert.Equal("line 0\nline 1\n", head["content"]!.GetValue<string>());
    }

    [Fact]
    public async Task Search_FindsTheMatchPastTheFirstMegabyteWithItsContext()
    {
        var found = await GetAsync("/api/v1/search?file=topo-1-1/6700/worker.log&search-string=NEEDLE");
        var match = Assert.Single(found["matches"]!.AsArray())!;
        Assert.Equal("NEEDLE", match["matchString"]!.GetValue<string>());
        Assert.EndsWith("line 30000 ", match["beforeString"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.StartsWith(" found here", match["afterString"]!.GetValue<string>(), StringComparison.Ordinal);
        var text = await File.ReadAllTextAsync(Path.Combine(_dir, "logs", "workers-artifacts", "topo-1-1", "6700", "worker.log"));
        Assert.Equal(text.IndexOf("NEEDLE", StringComparison.Ordinal), match["byteOffset"]!.GetValue<long>());
    }

    [Fact]
    public async Task Download_GivesTheWholeFile()
    {
        using var response = await Http.GetAsync("/api/v1/download?file=topo-1-1/6700/worker.log").Within("a download");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(new FileInfo(Path.Combine(_dir, "logs", "workers-artifacts", "topo-1-1", "6700", "worker.log")).Length, bytes.Length);
    }

    [Theory]
    [InlineData("/api/v1/log?file=../../secret.txt", 400, "worker log")]
    [InlineData("/api/v1/log?file=%2Fetc%2Fpasswd", 400, "worker log")]
    [InlineData("/api/v1/download?file=topo-1-1/6700/escape.log", 400, "links outside")]
    [InlineData("/log?file=topo-1-1/..%2F..%2F..%2Fsecret.txt", 400, "worker log")]
    [InlineData("/api/v1/log?file=topo-1-1/6700/none.log", 404, "no log")]
    [InlineData("/api/v1/log", 400, "give the log's name")]
    [InlineData("/api/v1/log?file=topo-1-1/6700/worker.log&start=-5", 400, "start")]
    [InlineData("/api/v1/search?file=topo-1-1/6700/worker.log&search-string=", 400, "search-string")]
    public async Task Request_OutsideTheLogsOrMalformed_IsRefusedWithTheReasonAndTheServerGoesOn(string path, int status, string reason)
    {
        using var response = await Http.GetAsync(path).Within("GET " + path);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Contains(reason, body["errorMessage"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("not a log", body.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("/api/v1/log?file=topo-1-1/6700/worker.log&length=10").Within("a good request after")).StatusCode);
    }

    [Fact]
    public async Task Request_ForNothingOrRefused_IsAnsweredWithoutAnErrorInTheLog()
    {
        // Found by the fuzzer: every 4xx was logged as an unhandled exception with its stack, and the paths of the
        // login page's files are open to anyone, so a stranger could write a stack trace per request.
        foreach (var (method, path, status) in new[] { ("GET", "/css/none.css", 404), ("POST", "/login.html", 404), ("GET", "/api/v1/log?file=../../secret.txt", 400), ("GET", "/api/v1/log?file=topo-1-1/6700/none.log", 404) })
        {
            using var response = await Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)).Within($"{method} {path}");
            Assert.Equal(status, (int)response.StatusCode);
        }

        Assert.Empty(_errors.Errors);
    }

    private async Task<JsonObject> GetAsync(string path)
    {
        using var response = await Http.GetAsync(path).Within("GET " + path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        return (JsonObject)JsonNode.Parse(text)!;
    }
}
