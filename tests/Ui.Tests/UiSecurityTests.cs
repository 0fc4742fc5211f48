using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using StormSharp.Cluster;
using StormSharp.Cluster.Rpc;
using StormSharp.Cluster.Security;
using StormSharp.Nimbus;
using StormSharp.Packaging;
using StormSharp.Runtime.Configuration;
using StormSharp.Runtime.Serialization;
using StormSharp.Tests.Shared;
using StormSharp.Ui.Tests.Infrastructure;
using StormSharp.ZooKeeper.Tests.Infrastructure;
using GrpcNimbus = StormSharp.Cluster.Rpc.Nimbus;

namespace StormSharp.Ui.Tests;

/// <summary>
/// The UI of a secured cluster (<c>storm.auth.scheme: token</c>): no page or API without credentials, a login that
/// sets the session cookie, POSTs from the browser only with the anti-forgery token, and Nimbus's own rules deciding
/// what each user sees and does. Nimbus runs on an in-memory cluster state; no workers are needed.
/// </summary>
public sealed class UiSecurityTests : IAsyncLifetime
{
    private const string Secret = "the UI tests' secret, long enough for HMAC-SHA256";
    private static readonly byte[] SecretBytes = Encoding.UTF8.GetBytes(Secret);
    private readonly InMemoryClusterState _cluster = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("ui-security-").FullName;
    private readonly ErrorLog _uiErrors = new();
    private IClusterState _session = null!;
    private NimbusDaemon _nimbus = null!;
    private UiServer _ui = null!;

    public async Task InitializeAsync()
    {
        var conf = new Dictionary<string, object?>(ConfigLoader.Defaults)
        {
            ["nimbus.seeds"] = new List<object?> { "127.0.0.1" },
            ["nimbus.thrift.port"] = 0,
            ["storm.local.hostname"] = "127.0.0.1",
            ["storm.local.dir"] = _dir,
            ["storm.auth.scheme"] = "token",
            ["storm.auth.secret"] = Secret,
            ["nimbus.admins"] = new List<object?> { "admin" },
        };
        _session = _cluster.OpenSession();
        _nimbus = await NimbusDaemon.StartAsync(conf, _session, LoggerFactory.Create(_ => { }), CancellationToken.None).Within("Nimbus to start");
        conf["nimbus.thrift.port"] = _nimbus.Port;
        conf["ui.host"] = "127.0.0.1";
        conf["ui.port"] = 0;
        _ui = await UiServer.StartAsync(conf, LoggerFactory.Create(b => b.AddProvider(_uiErrors)), CancellationToken.None).Within("the UI to start");
    }

    public async Task DisposeAsync()
    {
        await _ui.StopAsync(CancellationToken.None).Within("the UI to stop");
        await _nimbus.StopAsync(CancellationToken.None).Within("Nimbus to stop");
        await _session.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Login_WithABodyThatIsNotAFormOrEndsEarly_Answers400WithoutAnErrorInTheLog()
    {
        // Found by the fuzzer: the open login endpoint let a broken form body through as an unhandled exception (500 and a stack in the log).
        using var http = Http(cookies: null);
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes("--x\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\nst1.abc"));
        content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=x");

        using var response = await http.PostAsync("/api/v1/login", content).Within("a login with a broken form");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(_uiErrors.Errors);
    }

    [Fact]
    public async Task WithoutCredentials_TheApiAnswers401AndPagesGoToTheLoginPage()
    {
        using var http = Http(cookies: null);
        foreach (var path in new[] { "/api/v1/cluster/summary", "/api/v1/topology/summary", "/metrics", "/api/v1/session" })
        {
            using var response = await http.GetAsync(path).Within(path);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
            Assert.Contains("credentials are needed", await ErrorMessageAsync(response), StringComparison.Ordinal);
        }

        using (var kill = await http.PostAsync("/api/v1/topology/x-1-1/kill/0", null).Within("a kill"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, kill.StatusCode);
        }

        using (var page = await http.GetAsync("/topology.html?id=x").Within("a page"))
        {
            Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
            Assert.Equal("/login.html?next=%2Ftopology.html%3Fid%3Dx", page.Headers.Location!.OriginalString);
        }

        Assert.Contains("storm auth-token", await http.GetStringAsync("/login.html").Within("the login page"), StringComparison.Ordinal);

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "st1.forged.token");
        using var forged = await http.GetAsync("/api/v1/cluster/summary").Within("a forged token");
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
    }

    [Fact]
    public async Task ALoggedInBrowser_SeesWhatNimbusLetsItAndPostsOnlyWithTheAntiForgeryToken()
    {
        var id = await SubmitAsync(Token("alice"));

        var cookies = new CookieContainer();
        using var bob = Http(cookies);
        using (var badLogin = await bob.PostAsJsonAsync("/api/v1/login", new { token = Token("bob")[..^4] + "AAAA" }).Within("a login with a bad token"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, badLogin.StatusCode);
        }

        using (var login = await bob.PostAsJsonAsync("/api/v1/login", new { token = Token("bob") }).Within("bob's login"))
        {
            login.EnsureSuccessStatusCode();
            var cookie = Assert.Single(cookies.GetCookies(bob.BaseAddress!).Cast<Cookie>());
            Assert.True(cookie.HttpOnly);
        }

        // Bob sees the topology listed with its owner, but not its details, and cannot kill it.
        var list = JsonNode.Parse(await bob.GetStringAsync("/api/v1/topology/summary").Within("the list"))!;
        Assert.Equal("alice", list["topologies"]![0]!["owner"]!.GetValue<string>());
        using (var details = await bob.GetAsync($"/api/v1/topology/{id}").Within("bob reading alice's topology"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, details.StatusCode);
            Assert.Contains("'bob' may not look at", await ErrorMessageAsync(details), StringComparison.Ordinal);
        }

        var session = JsonNode.Parse(await bob.GetStringAsync("/api/v1/session").Within("bob's session"))!;
        Assert.Equal("bob", session["user"]!.GetValue<string>());
        var csrf = session["csrfToken"]!.GetValue<string>();

        using (var noToken = await bob.PostAsync($"/api/v1/topology/{id}/kill/0", null).Within("a kill without the anti-forgery token"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, noToken.StatusCode);
            Assert.Contains("anti-forgery", await ErrorMessageAsync(noToken), StringComparison.Ordinal);
        }

        using (var denied = await PostAsync(bob, $"/api/v1/topology/{id}/kill/0", csrf).Within("bob's kill"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
            Assert.Contains("'bob' may not", await ErrorMessageAsync(denied), StringComparison.Ordinal);
        }

        // The owner, by bearer token (no cookie, so no anti-forgery token needed), deactivates it; the admin kills it.
        using var alice = Http(cookies: null);
        alice.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token("alice"));
        Assert.Equal(id, JsonNode.Parse(await alice.GetStringAsync($"/api/v1/topology/{id}").Within("alice's topology"))!["id"]!.GetValue<string>());
        using (var deactivate = await alice.PostAsync($"/api/v1/topology/{id}/deactivate", null).Within("alice's deactivate"))
        {
            deactivate.EnsureSuccessStatusCode();
        }

        var adminCookies = new CookieContainer();
        using var admin = Http(adminCookies);
        (await admin.PostAsJsonAsync("/api/v1/login", new { token = Token("admin") }).Within("the admin's login")).EnsureSuccessStatusCode();
        var adminCsrf = JsonNode.Parse(await admin.GetStringAsync("/api/v1/session").Within("the admin's session"))!["csrfToken"]!.GetValue<string>();
        Assert.NotEqual(csrf, adminCsrf);
        using (var wrongToken = await PostAsync(admin, $"/api/v1/topology/{id}/kill/0", csrf).Within("a kill with bob's anti-forgery token"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, wrongToken.StatusCode);
        }

        using (var kill = await PostAsync(admin, $"/api/v1/topology/{id}/kill/0", adminCsrf).Within("the admin's kill"))
        {
            kill.EnsureSuccessStatusCode();
        }

        (await admin.PostAsync("/api/v1/logout", null).Within("the admin's logout")).EnsureSuccessStatusCode();
        using var afterLogout = await admin.GetAsync("/api/v1/cluster/summary").Within("a read after logout");
        Assert.Equal(HttpStatusCode.Unauthorized, afterLogout.StatusCode);
    }

    [Fact]
    public async Task TheLogviewer_TakesTheUisCredentialsAndNothingLess()
    {
        var logs = Path.Combine(_dir, "logs");
        var worker = Path.Combine(logs, "workers-artifacts", "word-count-1-1", "6700");
        Directory.CreateDirectory(worker);
        await File.WriteAllTextAsync(Path.Combine(worker, "worker.log"), "a line of the worker log\n");
        await using var logviewer = await LogviewerServer.StartAsync(
            new Dictionary<string, object?>(ConfigLoader.Defaults)
            {
                ["storm.log.dir"] = logs,
                ["logviewer.port"] = 0,
                ["storm.auth.scheme"] = "token",
                ["storm.auth.secret"] = Secret,
            },
            LoggerFactory.Create(_ => { }),
            CancellationToken.None).Within("the logviewer to start");
        const string path = "/api/v1/log?file=word-count-1-1/6700/worker.log";
        var cookies = new CookieContainer();
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{logviewer.Port}"),
            Timeout = TimeSpan.FromSeconds(30),
        };
        using (var anonymous = await http.GetAsync(path).Within("a read without credentials"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using (var page = await http.GetAsync("/log?file=word-count-1-1/6700/worker.log").Within("the log page without credentials"))
        {
            Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        }

        // The session cookie the UI set on this host is the logviewer's too: cookies do not care about ports.
        cookies.Add(new Cookie(UiAuthCookie, Token("alice"), "/", "127.0.0.1"));
        Assert.Contains("a line of the worker log", await http.GetStringAsync(path).Within("a read with the session cookie"), StringComparison.Ordinal);
    }

    private const string UiAuthCookie = "storm-ui-session";

    private static async Task<string> ErrorMessageAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!["errorMessage"]!.GetValue<string>();

    private static string Token(string user) => StormTokens.Create(SecretBytes, user, IdentityKind.User, DateTimeOffset.UtcNow.AddHours(1));

    private static Task<HttpResponseMessage> PostAsync(HttpClient http, string path, string csrf)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Add("X-CSRF-Token", csrf);
        return http.SendAsync(request);
    }

    private HttpClient Http(CookieContainer? cookies) =>
        new(new HttpClientHandler { CookieContainer = cookies ?? new CookieContainer(), UseCookies = cookies is not null, AllowAutoRedirect = false })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{_ui.Port}"),
            Timeout = TimeSpan.FromSeconds(30),
        };

    /// <summary>Submits the word count example as <paramref name="token"/>'s user, as storm jar would.</summary>
    private async Task<string> SubmitAsync(string token)
    {
        var entry = typeof(UiSecurityTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "WordCountTargetPath").Value!;
        using var package = new MemoryStream();
        var packed = TopologyPackage.Pack(Path.GetDirectoryName(entry)!, Path.GetFileName(entry), package);
        using var channel = new ClientSecurity { Token = () => token }.Channel("127.0.0.1:" + _nimbus.Port, 16 * 1024 * 1024, TimeSpan.FromSeconds(5));
        using var call = new GrpcNimbus.NimbusClient(channel).SubmitTopology(deadline: DateTime.UtcNow.AddSeconds(60));
        // The example is not referenced by this assembly (storm jar loads it from its folder); load it the same way.
        var build = Assembly.LoadFrom(entry).GetType("StormSharp.Examples.WordCount.WordCountTopology", throwOnError: true)!.GetMethod("Build", Type.EmptyTypes)!;
        var document = TopologyDocument.Write((StormSharp.Topology.StormTopology)build.Invoke(null, null)!, new Dictionary<string, object?> { ["topology.workers"] = 1 });
        await call.RequestStream.WriteAsync(new SubmitChunk
        {
            Header = new SubmitHeader
            {
                Name = "word-count",
                TopologyDocument = ByteString.CopyFrom(document),
                EntryAssembly = Path.GetFileName(entry),
                PackageLength = package.Length,
                PackageSha256 = packed.Sha256,
            },
        });
        await call.RequestStream.WriteAsync(new SubmitChunk { Data = ByteString.CopyFrom(package.ToArray()) });
        await call.RequestStream.CompleteAsync();
        return (await call.ResponseAsync.Within("the submit")).TopologyId;
    }
}
