using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using StormSharp.Cluster.Rpc;

namespace StormSharp.Ui.Internal;

internal sealed partial class RestApi
{
    /// <summary>A rebalanceOptions body is a few lines; anything longer is not one.</summary>
    private const int MaxBodyBytes = 64 * 1024;

    private static JsonObject Done(string operation, string id) => new() { ["topologyOperation"] = operation, ["topologyId"] = id, ["status"] = "success" };

    private async Task<JsonObject> ActivateAsync(string id, CancellationToken ct)
    {
        await nimbus.ActivateAsync(id, ct).ConfigureAwait(false);
        return Done("activate", id);
    }

    private async Task<JsonObject> DeactivateAsync(string id, CancellationToken ct)
    {
        await nimbus.DeactivateAsync(id, ct).ConfigureAwait(false);
        return Done("deactivate", id);
    }

    private async Task<JsonObject> KillAsync(string id, string wait, CancellationToken ct)
    {
        var waitSecs = WaitSeconds(wait);
        var info = await nimbus.TopologyAsync(id, ct).ConfigureAwait(false);
        await nimbus.KillAsync(info.Summary.Name, waitSecs, ct).ConfigureAwait(false);
        return Done("kill", id);
    }

    /// <summary>Storm's body: <c>{"rebalanceOptions": {"numWorkers": 2, "executors": {"spout": 4}}}</c>, all optional; counts may be strings.</summary>
    private async Task<JsonObject> RebalanceAsync(string id, string wait, HttpRequest request, CancellationToken ct)
    {
        var rebalance = new RebalanceRequest { WaitSecs = WaitSeconds(wait) };
        var body = await ReadBodyAsync(request, ct).ConfigureAwait(false);
        if (body.Length > 0)
        {
            JsonNode? root;
            try
            {
                root = JsonNode.Parse(body);
            }
            catch (JsonException e)
            {
                throw ApiException.BadRequest("the body is not JSON: " + e.Message);
            }

            if (root is not JsonObject o)
            {
                throw ApiException.BadRequest("the body must be a JSON object with rebalanceOptions");
            }

            if (o["rebalanceOptions"] is { } optionsNode)
            {
                if (optionsNode is not JsonObject options)
                {
                    throw ApiException.BadRequest("rebalanceOptions must be an object");
                }

                if (options["numWorkers"] is { } workers)
                {
                    rebalance.NumWorkers = Count(workers, "rebalanceOptions.numWorkers", 1);
                }

                if (options["executors"] is { } executorsNode)
                {
                    if (executorsNode is not JsonObject executors)
                    {
                        throw ApiException.BadRequest("rebalanceOptions.executors must be an object of component -> executor count");
                    }

                    foreach (var (component, count) in executors)
                    {
                        rebalance.Executors[component] = Count(count, $"rebalanceOptions.executors.{component}", 1);
                    }
                }
            }
        }

        var info = await nimbus.TopologyAsync(id, ct).ConfigureAwait(false);
        rebalance.Name = info.Summary.Name;
        await nimbus.RebalanceAsync(rebalance, ct).ConfigureAwait(false);
        return Done("rebalance", id);
    }

    private static int WaitSeconds(string wait) =>
        int.TryParse(wait, NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : throw ApiException.BadRequest($"wait-time must be a whole number of seconds, 0 or more, not '{wait}'");

    private static int Count(JsonNode? node, string what, int min)
    {
        var ok = node switch
        {
            JsonValue v when v.TryGetValue<int>(out var i) => i,
            JsonValue v when v.TryGetValue<string>(out var s) && int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var i) => i,
            _ => (int?)null,
        };
        return ok is { } n && n >= min ? n : throw ApiException.BadRequest($"{what} must be a whole number, {min} or more, not {node?.ToJsonString() ?? "null"}");
    }

    private static async Task<string> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            throw new ApiException(413, $"the body is over {MaxBodyBytes} bytes");
        }

        using var reader = new StreamReader(request.Body);
        var buffer = new char[MaxBodyBytes + 1];
        var n = await reader.ReadBlockAsync(buffer.AsMemory(), ct).ConfigureAwait(false);
        if (n > MaxBodyBytes)
        {
            throw new ApiException(413, $"the body is over {MaxBodyBytes} bytes");
        }

        var text = new string(buffer, 0, n).Trim();

        // A form post (Storm's own UI sends none, but curl -d does by default) or an empty body means no options.
        return text.StartsWith('{') || text.StartsWith('[') || text.Length == 0 ? text : throw ApiException.BadRequest("the body must be JSON (Content-Type: application/json)");
    }
}
