using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace StormSharp.Connectors.Tests.Infrastructure;

/// <summary>
/// An HTTP server on a loopback port that follows HBase's REST gateway (Stargate) schema for the calls the bolts
/// make, since no HBase can be installed here: <c>PUT /table/row</c> with a JSON CellSet (base64 keys, columns and
/// values; several rows at once), <c>PUT /table/row?check=put</c> (the last cell is the expected value; 304 when it
/// differs), <c>GET /table/row</c> (404 "Not found" when absent), 404 for an unknown table, 400 for a body that is no
/// CellSet or names an unknown column family, 415 without a JSON content type, and injected 503s.
/// </summary>
public sealed class HBaseRestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, HashSet<string>> _families = new(StringComparer.Ordinal);
    private int _failNext;

    public HBaseRestServer()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.MapMethods("/{table}/{row}", ["PUT", "POST"], Put);
        _app.MapGet("/{table}/{row}", Get);
        _app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Url = address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal);
    }

    public string Url { get; }

    /// <summary>Cells by table, then row, then "family:qualifier".</summary>
    public ConcurrentDictionary<string, ConcurrentDictionary<string, Dictionary<string, byte[]>>> Tables { get; } = new(StringComparer.Ordinal);

    public int Requests;

    public void CreateTable(string table, params string[] families)
    {
        _families[table] = [.. families];
        Tables[table] = new(StringComparer.Ordinal);
    }

    /// <summary>The next <paramref name="count"/> requests get 503 Service Unavailable.</summary>
    public void FailNext(int count) => Volatile.Write(ref _failNext, count);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        await _app.DisposeAsync();
    }

    private static IResult Text(int status, string message) => Results.Text(message + "\r\n", "text/plain", Encoding.UTF8, status);

    private bool Injected(out IResult result)
    {
        Interlocked.Increment(ref Requests);
        while (true)
        {
            var n = Volatile.Read(ref _failNext);
            if (n <= 0)
            {
                result = Results.Empty;
                return false;
            }

            if (Interlocked.CompareExchange(ref _failNext, n - 1, n) == n)
            {
                result = Text(503, "Service Unavailable");
                return true;
            }
        }
    }

    private async Task<IResult> Put(HttpContext http, string table, string row)
    {
        if (Injected(out var injected))
        {
            return injected;
        }

        if (http.Request.ContentType is not { } type || !type.StartsWith("application/json", StringComparison.Ordinal))
        {
            return Text(415, "Unsupported Media Type");
        }

        if (!Tables.TryGetValue(table, out var rows))
        {
            return Text(404, "Not found");
        }

        List<(string Key, List<(string Column, byte[] Value)> Cells)> cellSet;
        try
        {
            var body = await JsonNode.ParseAsync(http.Request.Body);
            cellSet = [];
            foreach (var r in body!["Row"]!.AsArray())
            {
                var key = Encoding.UTF8.GetString(Convert.FromBase64String((string)r!["key"]!));
                var cells = new List<(string, byte[])>();
                foreach (var c in r["Cell"]!.AsArray())
                {
                    var column = Encoding.UTF8.GetString(Convert.FromBase64String((string)c!["column"]!));
                    cells.Add((column, Convert.FromBase64String((string?)c["$"] ?? string.Empty)));
                }

                cellSet.Add((key, cells));
            }
        }
        catch (Exception e) when (e is JsonException or FormatException or NullReferenceException or InvalidOperationException)
        {
            return Text(400, "Bad request: " + e.Message);
        }

        foreach (var (_, cells) in cellSet)
        {
            foreach (var (column, _) in cells)
            {
                var family = column.Split(':')[0];
                if (!column.Contains(':', StringComparison.Ordinal) || !_families[table].Contains(family))
                {
                    return Text(400, $"Bad request: org.apache.hadoop.hbase.regionserver.NoSuchColumnFamilyException: Column family {family} does not exist in region {table}");
                }
            }
        }

        if (http.Request.Query["check"] == "put")
        {
            var (key, cells) = cellSet.Single();
            var check = cells[^1];
            lock (rows)
            {
                var current = rows.TryGetValue(key, out var existing) && existing.TryGetValue(check.Column, out var v) ? v : null;
                var matches = check.Value.Length == 0 ? current is null : current is not null && current.AsSpan().SequenceEqual(check.Value);
                if (!matches)
                {
                    return Results.StatusCode(304);
                }

                var target = rows.GetOrAdd(key, _ => new(StringComparer.Ordinal));
                foreach (var (column, value) in cells.Take(cells.Count - 1))
                {
                    target[column] = value;
                }
            }

            return Results.Ok();
        }

        lock (rows)
        {
            foreach (var (key, cells) in cellSet)
            {
                var target = rows.GetOrAdd(key, _ => new(StringComparer.Ordinal));
                foreach (var (column, value) in cells)
                {
                    target[column] = value;
                }
            }
        }

        return Results.Ok();
    }

    private IResult Get(string table, string row)
    {
        if (Injected(out var injected))
        {
            return injected;
        }

        if (!Tables.TryGetValue(table, out var rows))
        {
            return Text(404, "Not found");
        }

        JsonArray cells;
        lock (rows)
        {
            if (!rows.TryGetValue(row, out var found) || found.Count == 0)
            {
                return Text(404, "Not found");
            }

            cells = new JsonArray([.. found.Select(kv => (JsonNode)new JsonObject
            {
                ["column"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(kv.Key)),
                ["timestamp"] = 1,
                ["$"] = Convert.ToBase64String(kv.Value),
            })]);
        }

        var body = new JsonObject
        {
            ["Row"] = new JsonArray(new JsonObject { ["key"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(row)), ["Cell"] = cells }),
        };
        return Results.Text(body.ToJsonString(), "application/json", Encoding.UTF8, 200);
    }
}
