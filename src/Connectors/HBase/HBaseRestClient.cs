using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace StormSharp.Connectors.HBase;

/// <summary>
/// The few calls of HBase's REST gateway (Stargate) the bolts need, in its JSON CellSet schema: row keys, columns
/// ("family:qualifier") and values base64-encoded, <c>{"Row":[{"key":..,"Cell":[{"column":..,"$":..}]}]}</c>.
/// </summary>
/// <remarks>
/// Calls: <c>PUT /table/row</c> with a CellSet (several rows at once under a placeholder row key in the URL, as the
/// gateway allows), <c>GET /table/row</c> (404: no such row), and check-and-put (<c>PUT /table/row?check=put</c>,
/// the last cell being the value expected now; 304 when it differs) for counters. Any other status is an
/// <see cref="HBaseRestException"/> carrying the status and the gateway's message.
/// </remarks>
public sealed class HBaseRestClient : IDisposable
{
    private const string PlaceholderRow = "stormsharp-batch";
    private readonly HttpClient _http;

    /// <summary>Talks to the gateway at <paramref name="baseUrl"/> (e.g. http://host:8080).</summary>
    public HBaseRestClient(string baseUrl, TimeSpan timeout)
    {
        if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"the HBase REST URL must be an absolute http(s) URL, got '{baseUrl}'", nameof(baseUrl));
        }

        _http = new HttpClient { BaseAddress = new Uri(uri.ToString().TrimEnd('/') + "/"), Timeout = timeout };
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    /// <summary>Puts the cells of several rows in one request.</summary>
    public void PutRows(string table, IReadOnlyList<(byte[] Row, IReadOnlyList<(string Column, byte[] Value)> Cells)> rows)
    {
        var rowArray = new JsonArray();
        foreach (var (row, cells) in rows)
        {
            rowArray.Add(RowNode(row, cells));
        }

        var response = Send(HttpMethod.Put, $"{Escape(table)}/{PlaceholderRow}", new JsonObject { ["Row"] = rowArray });
        Expect(response, table, HttpStatusCode.OK);
    }

    /// <summary>
    /// Puts <paramref name="value"/> in <paramref name="column"/> of <paramref name="row"/> only if the column now
    /// holds <paramref name="expected"/> (null: the column must not exist); false when it does not.
    /// </summary>
    public bool CheckAndPut(string table, byte[] row, string column, byte[] value, byte[]? expected)
    {
        var cells = new List<(string, byte[])> { (column, value), (column, expected ?? []) };
        var body = new JsonObject { ["Row"] = new JsonArray(RowNode(row, cells)) };
        var response = Send(HttpMethod.Put, $"{Escape(table)}/{EscapeBytes(row)}?check=put", body);
        if (response.Status == HttpStatusCode.NotModified)
        {
            return false;
        }

        Expect(response, table, HttpStatusCode.OK);
        return true;
    }

    /// <summary>Reads a row, or null when it does not exist.</summary>
    public HBaseRow? GetRow(string table, byte[] row)
    {
        var response = Send(HttpMethod.Get, $"{Escape(table)}/{EscapeBytes(row)}", null);
        if (response.Status == HttpStatusCode.NotFound)
        {
            return null;
        }

        Expect(response, table, HttpStatusCode.OK);
        try
        {
            var cells = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            var node = JsonNode.Parse(response.Body)?["Row"]?.AsArray();
            foreach (var r in node ?? [])
            {
                foreach (var c in r?["Cell"]?.AsArray() ?? [])
                {
                    var column = Encoding.UTF8.GetString(Convert.FromBase64String((string)c!["column"]!));
                    cells[column] = Convert.FromBase64String((string?)c["$"] ?? string.Empty);
                }
            }

            return new HBaseRow(row, cells);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or NullReferenceException)
        {
            throw new HBaseRestException(HttpStatusCode.OK, $"the HBase REST gateway returned a row of table '{table}' that is no CellSet: {e.Message}");
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();

    private static JsonObject RowNode(byte[] row, IReadOnlyList<(string Column, byte[] Value)> cells)
    {
        var cellArray = new JsonArray();
        foreach (var (column, value) in cells)
        {
            cellArray.Add(new JsonObject
            {
                ["column"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(column)),
                ["$"] = Convert.ToBase64String(value),
            });
        }

        return new JsonObject { ["key"] = Convert.ToBase64String(row), ["Cell"] = cellArray };
    }

    private static string Escape(string s) => Uri.EscapeDataString(s);

    private static string EscapeBytes(byte[] b) => Uri.EscapeDataString(Encoding.UTF8.GetString(b));

    private static void Expect((HttpStatusCode Status, string Body) response, string table, HttpStatusCode expected)
    {
        if (response.Status != expected && !(expected == HttpStatusCode.OK && response.Status is HttpStatusCode.Created or HttpStatusCode.NoContent))
        {
            throw new HBaseRestException(response.Status,
                $"the HBase REST gateway answered {(int)response.Status} {response.Status} for table '{table}': {response.Body.Trim()}");
        }
    }

    private (HttpStatusCode Status, string Body) Send(HttpMethod method, string path, JsonObject? body)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        try
        {
            using var response = _http.Send(request);
            using var reader = new StreamReader(response.Content.ReadAsStream());
            return (response.StatusCode, reader.ReadToEnd());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            throw new HBaseRestException(0, $"the HBase REST gateway at {_http.BaseAddress} could not be reached: {e.Message}", e);
        }
    }
}

/// <summary>An HBase REST call that failed: the HTTP status (0 when the gateway was not reached) and its message.</summary>
public sealed class HBaseRestException(HttpStatusCode status, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The HTTP status, or 0 when the gateway was not reached.</summary>
    public HttpStatusCode Status { get; } = status;
}
