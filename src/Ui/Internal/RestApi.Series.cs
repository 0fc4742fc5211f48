using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace StormSharp.Ui.Internal;

internal sealed partial class RestApi
{
    /// <summary>How often the live stream asks Nimbus for new points.</summary>
    private static readonly TimeSpan StreamPeriod = TimeSpan.FromSeconds(1);

    /// <summary>The kept series (at most the last 15 minutes) after <paramref name="sinceMs"/>, settled seconds only.</summary>
    private async Task<JsonObject> SeriesAsync(string id, long sinceMs, CancellationToken ct)
    {
        var info = await nimbus.TopologyAsync(id, ct).ConfigureAwait(false);
        var series = await nimbus.SeriesAsync(info.Summary.Id, sinceMs, ct).ConfigureAwait(false);
        return SeriesView.Build(series, (sinceMs / 1000) - 1, (series.NowMs / 1000) - 1);
    }

    /// <summary>
    /// Server-sent events: "history" with everything Nimbus keeps, then "points" every second with the seconds that
    /// completed since; "unavailable" while Nimbus cannot be reached (the stream goes on), "gone" when the topology is.
    /// A page that reconnects (after a UI restart, say) gets the history again from Nimbus.
    /// </summary>
    private async Task StreamSeriesAsync(HttpContext h, string id)
    {
        var ct = h.RequestAborted;
        var info = await nimbus.TopologyAsync(id, ct).ConfigureAwait(false);
        var topologyId = info.Summary.Id;
        h.Response.ContentType = "text/event-stream";
        h.Response.Headers.CacheControl = "no-cache";
        h.Response.Headers["X-Accel-Buffering"] = "no";
        long sentUpTo = -1;
        using var timer = new PeriodicTimer(StreamPeriod);
        try
        {
            do
            {
                try
                {
                    var series = await nimbus.SeriesAsync(topologyId, sentUpTo < 0 ? 0 : ((sentUpTo + 1) * 1000) - 1, ct).ConfigureAwait(false);
                    var upTo = (series.NowMs / 1000) - 1;
                    if (upTo > sentUpTo)
                    {
                        await SendAsync(h, sentUpTo < 0 ? "history" : "points", SeriesView.Build(series, sentUpTo < 0 ? 0 : sentUpTo, upTo), ct).ConfigureAwait(false);
                        sentUpTo = upTo;
                    }
                }
                catch (ApiException e) when (e.Status == 404)
                {
                    await SendAsync(h, "gone", ErrorBody(404, e.Message), ct).ConfigureAwait(false);
                    return;
                }
                catch (ApiException e)
                {
                    await SendAsync(h, "unavailable", ErrorBody(e.Status, e.Message), ct).ConfigureAwait(false);
                }
            }
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The page went away.
        }
    }

    private static async Task SendAsync(HttpContext h, string name, JsonObject data, CancellationToken ct)
    {
        await h.Response.WriteAsync($"event: {name}\ndata: {data.ToJsonString()}\n\n", ct).ConfigureAwait(false);
        await h.Response.Body.FlushAsync(ct).ConfigureAwait(false);
    }
}
