using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using StormSharp.Cluster.Rpc;

namespace StormSharp.Ui.Internal;

/// <summary>
/// Storm's UI REST API (<c>/api/v1/...</c>, the paths, parameters and field names of Storm's STORM-UI-REST-API.md),
/// answered from Nimbus. Resource-aware scheduling fields, which StormSharp has no scheduler for, carry Storm's
/// neutral values: <c>schedulerDisplayResource</c> false and every memory and CPU figure 0.0.
/// </summary>
internal sealed partial class RestApi(NimbusReader nimbus, IReadOnlyDictionary<string, object?> conf, int logviewerPort, string version)
{
    public string Version => version;

    public void Map(IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1");
        api.MapGet("/cluster/configuration", (HttpContext h) => Json(h, ClusterConfiguration()));
        api.MapGet("/cluster/summary", async (HttpContext h) => await Json(h, await ClusterSummaryAsync(h.RequestAborted)));
        api.MapGet("/nimbus/summary", async (HttpContext h) => await Json(h, await NimbusSummaryAsync(h.RequestAborted)));
        api.MapGet("/supervisor/summary", async (HttpContext h) => await Json(h, await SupervisorSummaryAsync(h.RequestAborted)));
        api.MapGet("/supervisor", async (HttpContext h) => await Json(h, await SupervisorAsync(h.Request.Query["id"], h.Request.Query["host"], h.RequestAborted)));
        api.MapGet("/topology/summary", async (HttpContext h) => await Json(h, await TopologySummaryAsync(h.RequestAborted)));
        api.MapGet("/history/summary", async (HttpContext h) => await Json(h, await HistoryAsync(h.RequestAborted)));
        api.MapGet("/topology/{id}", async (HttpContext h, string id) => await Json(h, await TopologyAsync(id, Window(h), Sys(h), h.RequestAborted)));
        api.MapGet("/topology/{id}/metrics", async (HttpContext h, string id) => await Json(h, await TopologyMetricsAsync(id, Window(h), Sys(h), h.RequestAborted)));
        api.MapGet("/topology/{id}/component/{component}", async (HttpContext h, string id, string component) =>
            await Json(h, await ComponentAsync(id, component, Window(h), Sys(h), h.RequestAborted)));
        api.MapGet("/topology/{id}/visualization", async (HttpContext h, string id) => await Json(h, await VisualizationAsync(id, Window(h), Sys(h), h.RequestAborted)));
        api.MapGet("/topology/{id}/lag", async (HttpContext h, string id) => await Json(h, await LagAsync(id, h.RequestAborted)));
        api.MapGet("/topology/{id}/logconfig", async (HttpContext h, string id) => await Json(h, await LogConfigAsync(id, h.RequestAborted)));
        api.MapGet("/topology-workers/{id}", async (HttpContext h, string id) => await Json(h, await TopologyWorkersAsync(id, h.RequestAborted)));
        api.MapGet("/topology/{id}/series", async (HttpContext h, string id) => await Json(h, await SeriesAsync(id, SinceMs(h), h.RequestAborted)));
        api.MapGet("/topology/{id}/series/stream", (HttpContext h, string id) => StreamSeriesAsync(h, id));
        api.MapPost("/topology/{id}/activate", async (HttpContext h, string id) => await Json(h, await ActivateAsync(id, h.RequestAborted)));
        api.MapPost("/topology/{id}/deactivate", async (HttpContext h, string id) => await Json(h, await DeactivateAsync(id, h.RequestAborted)));
        api.MapPost("/topology/{id}/rebalance/{wait}", async (HttpContext h, string id, string wait) => await Json(h, await RebalanceAsync(id, wait, h.Request, h.RequestAborted)));
        api.MapPost("/topology/{id}/kill/{wait}", async (HttpContext h, string id, string wait) => await Json(h, await KillAsync(id, wait, h.RequestAborted)));
        api.Map("/{**rest}", (HttpContext h) => throw ApiException.NotFound($"no API at {h.Request.Method} {h.Request.Path}"));
    }

    /// <summary>Writes <paramref name="body"/>, wrapped in <c>callback(...)</c> when the request asks for JSONP as Storm allows.</summary>
    public static Task Json(HttpContext h, JsonNode body)
    {
        var json = body.ToJsonString();
        var callback = h.Request.Query["callback"].ToString();
        if (callback.Length == 0)
        {
            h.Response.ContentType = "application/json; charset=utf-8";
            return h.Response.WriteAsync(json, h.RequestAborted);
        }

        if (callback.Length > 100 || !callback.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '$' or '.'))
        {
            throw ApiException.BadRequest("callback must be a JavaScript name (letters, digits, _ $ .), at most 100 characters");
        }

        h.Response.ContentType = "application/javascript; charset=utf-8";
        return h.Response.WriteAsync($"{callback}({json});", h.RequestAborted);
    }

    /// <summary>Storm's error body: <c>{"error": "404 Not Found", "errorMessage": "..."}</c>.</summary>
    public static JsonObject ErrorBody(int status, string message) => new()
    {
        ["error"] = $"{status} {ReasonPhrases.GetReasonPhrase(status)}",
        ["errorMessage"] = message,
    };

    private static int Window(HttpContext h) => StormFormat.Window(h.Request.Query["window"]);

    private static bool Sys(HttpContext h) => StormFormat.Sys(h.Request.Query["sys"]);

    private static long SinceMs(HttpContext h)
    {
        var s = h.Request.Query["since"].ToString();
        return s.Length == 0 ? 0 : long.TryParse(s, out var v) && v >= 0 ? v : throw ApiException.BadRequest($"since must be milliseconds since the epoch, not '{s}'");
    }

    private string WorkerLogLink(string host, int port, string topologyId) =>
        $"http://{host}:{logviewerPort}/log?file={Uri.EscapeDataString($"{topologyId}/{port}/worker.log")}";

    private static bool Visible(string component, bool sys) => sys || !StormFormat.IsSystemId(component);

    /// <summary>The topology's info and its workers' latest heartbeats, read together.</summary>
    private async Task<(TopologyInfo Info, IReadOnlyList<WorkerHeartbeatReceipt> Beats)> LoadAsync(string id, CancellationToken ct)
    {
        var info = await nimbus.TopologyAsync(id, ct).ConfigureAwait(false);
        var beats = await nimbus.HeartbeatsAsync(info.Summary.Id, ct).ConfigureAwait(false);
        return (info, beats.Workers);
    }

    private static IEnumerable<(WorkerHeartbeatReceipt Beat, ExecutorStats Executor)> ExecutorsOf(IReadOnlyList<WorkerHeartbeatReceipt> beats, string? component = null) =>
        beats.SelectMany(b => b.Heartbeat.Executors.Where(e => component is null || e.Component == component).Select(e => (b, e)));
}
