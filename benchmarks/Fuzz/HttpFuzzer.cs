using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace StormSharp.Benchmarks.Fuzz;

/// <summary>
/// The UI's or the logviewer's HTTPS port: requests over HTTP/1.1 and HTTP/2 to every route of the daemon (with the
/// running topology's id, hostile ids, path traversal in the logviewer's <c>file</c>, numbers at the edges), to path
/// tricks (<c>/css/../api/...</c>, encoded slashes and dots, sent without the client's canonicalization) and to random
/// paths, with random methods, hostile headers, query strings and bodies, and without valid credentials: none, a bad
/// bearer token (<see cref="FuzzCredentials.Bad"/>), a worker's token, a bad session cookie, or a valid session cookie on
/// a POST without the anti-forgery token. A 2xx counts as accepted without credentials unless
/// <see cref="PublicResources"/> says the resource is public. A quarter of the inputs are raw TCP.
/// </summary>
internal sealed class HttpFuzzer : IDisposable
{
    private const string Cookie = "storm-ui-session";

    private static readonly string[] Methods = ["GET", "GET", "GET", "POST", "POST", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "FUZZ"];

    private static readonly string[] Tricks =
    [
        "/css/../api/v1/cluster/summary", "/css/..%2f..%2fapi/v1/cluster/summary", "/css/%2e%2e/api/v1/cluster/summary",
        "/js/%2e%2e/%2e%2e/api/v1/topology/summary", "/login.html/../api/v1/cluster/configuration", "//api/v1/cluster/summary",
        "/CSS/../api/v1/cluster/summary", "/vendor/..;/api/v1/cluster/summary", "/api/v1/cluster/summary;/login.html",
        "/api/v1/cluster/summary%00/login.html", "/api/v1/./cluster/summary", "/API/V1/CLUSTER/SUMMARY", "/api/v1/login/../cluster/summary",
        "/login.html%2f..%2fapi%2fv1%2fcluster%2fsummary", "/css/../../../../etc/passwd", "/js/..%5c..%5capi/v1/cluster/summary",
        "/log?file=../../../../etc/passwd", "/css/ui.css/..%2f..%2fapi/v1/session", "/%2e%2e/%2e%2e/etc/passwd", "/metrics/../metrics",
    ];

    private readonly HttpClient _client;
    private readonly int _port;
    private readonly FuzzCredentials _credentials;
    private readonly string[] _routes;
    private readonly string _controlPath;
    private readonly Func<string?> _logFile;
    private readonly RawTcpFuzzer _raw;

    /// <param name="port">The daemon's HTTPS port.</param>
    /// <param name="credentials">The tokens.</param>
    /// <param name="routes">Its routes as <c>METHOD /path</c>; <c>{id}</c>, <c>{component}</c>, <c>{wait}</c>, <c>{file}</c> are filled per request.</param>
    /// <param name="controlPath">A GET that valid credentials must get a 2xx for.</param>
    /// <param name="logFile">A worker log's name under the logviewer's root, once there is one.</param>
    public HttpFuzzer(int port, FuzzCredentials credentials, string[] routes, string controlPath, Func<string?> logFile)
    {
        _port = port;
        _credentials = credentials;
        _routes = routes;
        _controlPath = controlPath;
        _logFile = logFile;
        _raw = new RawTcpFuzzer(port, tls: true);
        _client = new HttpClient(Stranger.Handler()) { Timeout = TimeSpan.FromSeconds(5) };
    }

    public async Task<Verdict> OneAsync(Random r, CancellationToken stop)
    {
        if (r.Next(4) == 0)
        {
            return await _raw.OneAsync(r, stop).ConfigureAwait(false);
        }

        var (method, path) = Target(r);
        using var request = new HttpRequestMessage(new HttpMethod(method), Url(path))
        {
            Version = r.Next(2) == 0 ? HttpVersion.Version20 : HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        var label = Credentials(r, request, method);
        Headers(r, request);
        if (method is not "GET" and not "HEAD" and not "TRACE" && r.Next(3) != 0)
        {
            request.Content = Body(r);
        }

        var (status, contentType) = await SendAsync(request, stop).ConfigureAwait(false);
        var outcome = status > 0 ? "HTTP " + status : contentType ?? "error";
        var accepted = status > 0 && PublicResources.IsAcceptance(method, path, status, contentType);
        return new Verdict(outcome, accepted, $"{method} {Shorten(path)} over HTTP/{request.Version} with {label}: {status} {contentType}");
    }

    /// <summary>The same request path with a valid bearer token: <see cref="_controlPath"/> must be a 2xx, and be judged one.</summary>
    public async Task<bool> ControlAsync(CancellationToken stop)
    {
        var path = _controlPath.Replace("{file}", Uri.EscapeDataString(_logFile() ?? string.Empty), StringComparison.Ordinal);
        using var request = new HttpRequestMessage(HttpMethod.Get, Url(path));
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + _credentials.Valid);
        var (status, contentType) = await SendAsync(request, stop).ConfigureAwait(false);
        return PublicResources.IsAcceptance("GET", path, status, contentType);
    }

    private (string Method, string Path) Target(Random r)
    {
        switch (r.Next(10))
        {
            case 0:
                return (Hostile.Pick(r, Methods), Hostile.Pick(r, Tricks));
            case 1:
                return (Hostile.Pick(r, Methods), "/" + string.Join('/', Enumerable.Range(0, r.Next(1, 5)).Select(_ => Uri.EscapeDataString(Hostile.Text(r)))) + Query(r));
            default:
                var route = Hostile.Pick(r, _routes);
                var space = route.IndexOf(' ', StringComparison.Ordinal);
                var method = r.Next(5) == 0 ? Hostile.Pick(r, Methods) : route[..space];
                var path = route[(space + 1)..]
                    .Replace("{id}", Uri.EscapeDataString(r.Next(3) == 0 ? Hostile.Text(r) : _credentials.TopologyId), StringComparison.Ordinal)
                    .Replace("{component}", Uri.EscapeDataString(r.Next(3) == 0 ? Hostile.Text(r) : Hostile.Pick(r, new[] { "count", "split", "sentences", "__acker" })), StringComparison.Ordinal)
                    .Replace("{wait}", Uri.EscapeDataString(r.Next(2) == 0 ? "0" : Hostile.Text(r)), StringComparison.Ordinal)
                    .Replace("{file}", Uri.EscapeDataString(r.Next(3) == 0 ? _logFile() ?? "x/1/worker.log" : Hostile.Text(r)), StringComparison.Ordinal);
                return (method, path + (path.Contains('?', StringComparison.Ordinal) ? "&" + Query(r).TrimStart('?') : Query(r)));
        }
    }

    private static string Query(Random r)
    {
        if (r.Next(3) == 0)
        {
            return string.Empty;
        }

        string[] keys = ["window", "sys", "callback", "since_ms", "id", "host", "file", "start", "length", "search-string", "num-matches", "start-byte-offset", Hostile.Printable(r, 4)];
        var parts = Enumerable.Range(0, r.Next(1, 5)).Select(_ =>
            Uri.EscapeDataString(Hostile.Pick(r, keys)) + "=" + Uri.EscapeDataString(r.Next(2) == 0 ? Hostile.Number(r).ToString(System.Globalization.CultureInfo.InvariantCulture) : Hostile.Text(r)));
        return "?" + string.Join('&', parts);
    }

    private string Credentials(Random r, HttpRequestMessage request, string method)
    {
        switch (r.Next(8))
        {
            case 0 or 1:
                return "no credentials";
            case 2:
                var (label, token) = _credentials.AnyBad(r);
                request.Headers.TryAddWithoutValidation("Cookie", $"{Cookie}={token}");
                return "a " + label + " session cookie";
            case 3:
                var worker = r.Next(2) == 0 ? _credentials.ThisWorker : _credentials.OtherWorker;
                request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + worker);
                return "a worker's token";
            case 4:
                request.Headers.TryAddWithoutValidation("Authorization", Hostile.Pick(r, new[] { "Basic YWRtaW46YWRtaW4=", "Bearer", "Bearer ", "Negotiate abc", "bearer\t" + _credentials.Valid[..^1], "Token " + _credentials.Valid }));
                return "a malformed Authorization header";
            case 5 when method is not "GET" and not "HEAD":
                request.Headers.TryAddWithoutValidation("Cookie", $"{Cookie}={_credentials.Valid}");
                if (r.Next(2) == 0)
                {
                    request.Headers.TryAddWithoutValidation("X-CSRF-Token", Hostile.HeaderSafe(r));
                }

                return "a valid session cookie and no valid anti-forgery token";
            default:
                var (l, t) = _credentials.AnyBad(r);
                if (t is not null)
                {
                    request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + t);
                }

                return "a " + l + " bearer token";
        }
    }

    private static void Headers(Random r, HttpRequestMessage request)
    {
        for (var i = r.Next(4); i > 0; i--)
        {
            var (name, value) = r.Next(9) switch
            {
                0 => ("X-Forwarded-For", "127.0.0.1"),
                1 => ("X-Original-URL", "/login.html"),
                2 => ("X-CSRF-Token", Hostile.HeaderSafe(r)),
                3 => ("Range", "bytes=" + Hostile.Number(r) + "-" + Hostile.Number(r)),
                4 => ("X-Huge", new string('h', r.Next(1, 24) * 1024)),
                5 => ("Accept", Hostile.HeaderSafe(r)),
                6 => ("Origin", "https://evil.example"),
                7 => ("If-None-Match", Hostile.HeaderSafe(r)),
                _ => (Hostile.Printable(r, 8).Replace(':', 'x'), Hostile.HeaderSafe(r)),
            };
            request.Headers.TryAddWithoutValidation(name, value);
        }
    }

    private HttpContent Body(Random r)
    {
        var (bytes, type) = r.Next(6) switch
        {
            0 => (Hostile.Bytes(r, 8192), "application/octet-stream"),
            1 => (Encoding.UTF8.GetBytes($$"""{"token":"{{_credentials.AnyBad(r).Token}}"}"""), "application/json"),
            2 => (Encoding.UTF8.GetBytes("token=" + Uri.EscapeDataString(_credentials.AnyBad(r).Token ?? string.Empty)), "application/x-www-form-urlencoded"),
            3 => (Encoding.UTF8.GetBytes(new string('[', 20_000) + new string(']', 20_000)), "application/json"),
            4 => (new byte[r.Next(1, 3) * 1024 * 1024], "application/json"),
            _ => (Encoding.UTF8.GetBytes(Hostile.Text(r)), Hostile.Pick(r, new[] { "text/plain", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "application/json; charset=utf-7" })),
        };
        var content = new ByteArrayContent(bytes);
        content.Headers.TryAddWithoutValidation("Content-Type", type);
        return content;
    }

    private async Task<(int Status, string? ContentType)> SendAsync(HttpRequestMessage request, CancellationToken stop)
    {
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stop).ConfigureAwait(false);

            // A bounded look at the body: enough to finish a small answer, not to follow a stream.
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(stop);
            cts.CancelAfter(TimeSpan.FromSeconds(2));
            try
            {
                await using var body = await response.Content.ReadAsStreamAsync(cts.Token).ConfigureAwait(false);
                var buffer = new byte[16 * 1024];
                var total = 0;
                int n;
                while (total < 64 * 1024 && (n = await body.ReadAsync(buffer, cts.Token).ConfigureAwait(false)) > 0)
                {
                    total += n;
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
            {
                // The status is what counts.
            }

            return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType);
        }
        catch (OperationCanceledException)
        {
            return (0, "timeout");
        }
        catch (HttpRequestException e)
        {
            return (0, "transport:" + (e.HttpRequestError == HttpRequestError.Unknown ? e.InnerException?.GetType().Name ?? "error" : e.HttpRequestError.ToString()));
        }
    }

    /// <summary>The URL as written: the path's dots and escapes are not canonicalized by the client, so path tricks reach the server.</summary>
    private Uri Url(string pathAndQuery)
    {
        var text = $"https://127.0.0.1:{_port}{pathAndQuery}";
        try
        {
            return new Uri(text, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        }
        catch (UriFormatException)
        {
            return new Uri($"https://127.0.0.1:{_port}/" + Uri.EscapeDataString(pathAndQuery));
        }
    }

    private static string Shorten(string s) => s.Length <= 120 ? s : s[..117] + "...";

    public void Dispose() => _client.Dispose();
}
