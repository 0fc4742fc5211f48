using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using StormSharp.Cluster.Security;
using StormSharp.Runtime.Configuration;

namespace StormSharp.Ui.Internal;

/// <summary>
/// The UI's half of the cluster's security. With <c>storm.auth.scheme</c> on, every page and API call needs the
/// caller's credentials: a bearer token in the <c>Authorization</c> header (REST clients), the session cookie that
/// <c>POST /api/v1/login</c> sets from a token (browsers), or a client certificate of the cluster's CA (the
/// certificate scheme). The UI then calls Nimbus as that user, forwarding the token (or minting a short one for a
/// certificate's principal), so Nimbus's own rules decide what the user may see and do. A POST authenticated by
/// the cookie or a certificate, which a browser sends by itself, must also carry the anti-forgery token of
/// <c>GET /api/v1/session</c> in <c>X-CSRF-Token</c>. Refusals: 401 without credentials, 403 without the
/// anti-forgery token or when Nimbus says no.
/// </summary>
internal sealed class UiAuth
{
    public const string SessionCookie = "storm-ui-session";
    public const string CsrfHeader = "X-CSRF-Token";

    /// <summary>How long a token minted for a certificate's principal is taken by Nimbus: one request's worth.</summary>
    private static readonly TimeSpan MintedTokenLife = TimeSpan.FromMinutes(5);

    private static readonly AsyncLocal<string?> CallerToken = new();

    private readonly SecurityOptions _security;
    private readonly X509Certificate2Collection? _authorities;
    private readonly ILogger _logger;

    public UiAuth(SecurityOptions security, ILogger logger)
    {
        _security = security;
        _authorities = security.Scheme == AuthScheme.Certificate ? ClusterCredentials.Authorities(security) : null;
        _logger = logger;
    }

    public bool Enabled => _security.Enabled;

    /// <summary>The token the UI shows Nimbus: the current request's user's, or outside a request, its own daemon token.</summary>
    public static Func<string?> NimbusToken(ClientSecurity daemon) => () => CallerToken.Value ?? daemon.Token?.Invoke();

    /// <summary>Checks every request's credentials before the pages and the API (see the class summary).</summary>
    public async Task InvokeAsync(HttpContext h, RequestDelegate next)
    {
        if (!Enabled || IsOpen(h.Request))
        {
            await next(h).ConfigureAwait(false);
            return;
        }

        var (principal, token, ambient, problem) = Identify(h);
        if (principal is null)
        {
            await RefuseAsync(h, 401, problem).ConfigureAwait(false);
            return;
        }

        if (ambient && !HttpMethods.IsGet(h.Request.Method) && !HttpMethods.IsHead(h.Request.Method)
            && !FixedEquals(h.Request.Headers[CsrfHeader].ToString(), Csrf(token!)))
        {
            _logger.LogWarning("Refused {Method} {Path} to '{Principal}' from {Peer}: no valid anti-forgery token", h.Request.Method, h.Request.Path, principal, h.Connection.RemoteIpAddress);
            await RefuseAsync(h, 403, $"a {h.Request.Method} from the browser needs the anti-forgery token of GET /api/v1/session in the {CsrfHeader} header").ConfigureAwait(false);
            return;
        }

        h.Items["storm.principal"] = principal;
        h.Items["storm.token"] = token;

        // /metrics sums the whole cluster for a scraper; it reads Nimbus with the UI's own credentials.
        CallerToken.Value = h.Request.Path.StartsWithSegments("/metrics") ? null : token;
        try
        {
            await next(h).ConfigureAwait(false);
        }
        finally
        {
            CallerToken.Value = null;
        }
    }

    /// <summary><c>/api/v1/login</c>, <c>/api/v1/logout</c> and <c>/api/v1/session</c>.</summary>
    public void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/login", LoginAsync);
        app.MapPost("/api/v1/logout", (HttpContext h) =>
        {
            h.Response.Cookies.Delete(SessionCookie, CookieOptions(null));
            return Results.Json(new JsonObject { ["status"] = "success" });
        });
        app.MapGet("/api/v1/session", (HttpContext h) => Results.Json(!Enabled
            ? new JsonObject { ["security"] = false, ["user"] = null }
            : new JsonObject { ["security"] = true, ["user"] = h.Items["storm.principal"] as string, ["csrfToken"] = Csrf((string)h.Items["storm.token"]!) }));
    }

    private async Task LoginAsync(HttpContext h)
    {
        if (!Enabled)
        {
            await RefuseAsync(h, 400, "security is off (storm.auth.scheme: none): there is nothing to log in to").ConfigureAwait(false);
            return;
        }

        string? token = null;
        if (h.Request.ContentLength is > 16 * 1024)
        {
            await RefuseAsync(h, 413, "a login body holds one token").ConfigureAwait(false);
            return;
        }

        try
        {
            if (h.Request.HasFormContentType)
            {
                token = (await h.Request.ReadFormAsync(h.RequestAborted).ConfigureAwait(false))["token"].ToString();
            }
            else
            {
                var body = await JsonNode.ParseAsync(h.Request.Body, cancellationToken: h.RequestAborted).ConfigureAwait(false);
                token = body?["token"]?.GetValue<string>();
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or InvalidDataException or BadHttpRequestException
            || (e is IOException && !h.RequestAborted.IsCancellationRequested))
        {
            // Anyone may call the login: a body that is not one (a broken form, a bad chunk, one that ends early) is theirs to fix, not an error of the UI's.
            await RefuseAsync(h, 400, "the body must be {\"token\": \"...\"} or a form with a token field").ConfigureAwait(false);
            return;
        }

        token = token?.Trim();
        if (!StormTokens.TryValidate(_security.Secret, token, DateTimeOffset.UtcNow, out var identity, out var reason) || identity!.Kind != IdentityKind.User)
        {
            _logger.LogWarning("Refused a login from {Peer}: {Problem}", h.Connection.RemoteIpAddress, identity is null ? reason : "not a user's token");
            await RefuseAsync(h, 401, "that token is not accepted: " + (identity is null ? reason : "it is not a user's token")).ConfigureAwait(false);
            return;
        }

        h.Response.Cookies.Append(SessionCookie, token!, CookieOptions(identity.Expires));
        await h.Response.WriteAsJsonAsync(new JsonObject { ["user"] = identity.Principal, ["csrfToken"] = Csrf(token!) }, h.RequestAborted).ConfigureAwait(false);
    }

    private (string? Principal, string? Token, bool Ambient, string Problem) Identify(HttpContext h)
    {
        var now = DateTimeOffset.UtcNow;
        var header = h.Request.Headers.Authorization.ToString();
        if (header.Length > 0)
        {
            if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                return (null, null, false, "the Authorization header must be a bearer token");
            }

            var token = header["Bearer ".Length..].Trim();
            return StormTokens.TryValidate(_security.Secret, token, now, out var who, out var reason) && who!.Kind == IdentityKind.User
                ? (who.Principal, token, false, string.Empty)
                : (null, null, false, "the bearer token is not accepted: " + (who is null ? reason : "it is not a user's token"));
        }

        if (h.Request.Cookies.TryGetValue(SessionCookie, out var session))
        {
            if (StormTokens.TryValidate(_security.Secret, session, now, out var who, out var reason) && who!.Kind == IdentityKind.User)
            {
                return (who.Principal, session, true, string.Empty);
            }

            h.Response.Cookies.Delete(SessionCookie, CookieOptions(null));
            return (null, null, false, "the session is over (" + reason + "); log in again");
        }

        if (_authorities is not null && h.Connection.ClientCertificate is { } certificate)
        {
            if (!TlsFiles.IssuedBy(certificate, _authorities, clientAuth: true, out var reason))
            {
                return (null, null, false, $"the client certificate '{certificate.Subject}' is not one the cluster's CA issued for clients: {reason}");
            }

            var principal = TlsFiles.PrincipalOf(certificate);
            return (principal, StormTokens.Create(_security.Secret, principal, IdentityKind.User, now + MintedTokenLife), true, string.Empty);
        }

        return (null, null, false, "credentials are needed: log in with a token (storm auth-token USER), or send Authorization: Bearer TOKEN");
    }

    private static bool IsOpen(HttpRequest r) =>
        r.Path.Equals("/login.html", StringComparison.Ordinal)
        || r.Path.StartsWithSegments("/css") || r.Path.StartsWithSegments("/js") || r.Path.StartsWithSegments("/vendor")
        || (r.Path.Equals("/api/v1/login", StringComparison.Ordinal) && HttpMethods.IsPost(r.Method))
        || (r.Path.Equals("/api/v1/logout", StringComparison.Ordinal) && HttpMethods.IsPost(r.Method));

    private async Task RefuseAsync(HttpContext h, int status, string message)
    {
        var api = h.Request.Path.StartsWithSegments("/api") || h.Request.Path.StartsWithSegments("/metrics");
        if (status == 401 && !api && HttpMethods.IsGet(h.Request.Method))
        {
            // A browser asking for a page goes to the login page and comes back.
            h.Response.Redirect("/login.html?next=" + Uri.EscapeDataString(h.Request.Path + h.Request.QueryString));
            return;
        }

        if (status == 401)
        {
            h.Response.Headers.WWWAuthenticate = "Bearer";
        }

        h.Response.StatusCode = status;
        h.Response.ContentType = "application/json; charset=utf-8";
        await h.Response.WriteAsync(RestApi.ErrorBody(status, message).ToJsonString(), h.RequestAborted).ConfigureAwait(false);
    }

    private CookieOptions CookieOptions(DateTimeOffset? expires) => new()
    {
        HttpOnly = true,
        Secure = _security.Tls,
        SameSite = SameSiteMode.Strict,
        Path = "/",
        Expires = expires,
    };

    /// <summary>The anti-forgery token of a session: a MAC of its token, so it needs no server state and dies with the session.</summary>
    private string Csrf(string token) => Base64Url.EncodeToString(HMACSHA256.HashData(_security.Secret!, Encoding.UTF8.GetBytes("ui-csrf|" + token)));

    private static bool FixedEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
}
