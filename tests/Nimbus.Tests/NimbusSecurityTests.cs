using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StormSharp.Cluster;
using StormSharp.Cluster.Rpc;
using StormSharp.Cluster.Security;
using StormSharp.Examples.WordCount;
using StormSharp.Runtime.Configuration;
using StormSharp.Tests.Shared;
using StormSharp.ZooKeeper.Tests.Infrastructure;
using GrpcNimbus = StormSharp.Cluster.Rpc.Nimbus;

namespace StormSharp.Nimbus.Tests;

/// <summary>
/// Nimbus with <c>storm.auth.scheme</c> on: who is let in (tokens, client certificates) and what each caller may do
/// (admins, owners, <c>topology.users</c>, read-only users, workers, daemons). Every refusal is a status the caller can read.
/// </summary>
public sealed class NimbusSecurityTests : IAsyncLifetime
{
    private const string Secret = "a test secret that is long enough for HMAC-SHA256";
    private static readonly byte[] SecretBytes = Encoding.UTF8.GetBytes(Secret);

    private readonly InMemoryClusterState _cluster = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("nimbus-security-").FullName;
    private readonly List<IAsyncDisposable> _stops = [];
    private readonly List<IDisposable> _disposals = [];
    private readonly ErrorLog _errors = new();
    private NimbusDaemon _nimbus = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var d in _disposals)
        {
            d.Dispose();
        }

        // The Nimbus before its session: last started, first stopped.
        foreach (var s in Enumerable.Reverse(_stops))
        {
            await s.DisposeAsync().AsTask().Within("a Nimbus to stop");
        }

        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task WithoutCredentials_EveryCallIsRefusedAsUnauthenticated()
    {
        await StartAsync();
        var anonymous = Client(ClientSecurity.None);
        var list = await Assert.ThrowsAsync<RpcException>(async () => await anonymous.GetClusterInfoAsync(new Empty(), deadline: NimbusRpc.Deadline));
        Assert.Equal(StatusCode.Unauthenticated, list.StatusCode);
        Assert.Contains("no bearer token", list.Status.Detail, StringComparison.Ordinal);
        var kill = await Assert.ThrowsAsync<RpcException>(async () => await anonymous.KillTopologyAsync(new KillRequest { Name = "anything" }, deadline: NimbusRpc.Deadline));
        Assert.Equal(StatusCode.Unauthenticated, kill.StatusCode);
        var submit = await Assert.ThrowsAsync<RpcException>(() => SubmitAsync(anonymous, "word-count"));
        Assert.Equal(StatusCode.Unauthenticated, submit.StatusCode);
        Assert.Empty((await Client(User("admin")).GetClusterInfoAsync(new Empty(), deadline: NimbusRpc.Deadline)).Topologies);
    }

    [Fact]
    public async Task WithoutCredentials_AMalformedMessageIsRefusedBeforeItIsReadAndLogsNoError()
    {
        // gRPC logs a message it cannot parse as an error with its stack; a stranger's must not get that far.
        await StartAsync();
        var garbage = new Method<byte[], byte[]>(MethodType.Unary, GrpcNimbus.Descriptor.FullName, "GetClusterInfo", Marshallers.Create(b => b, b => b), Marshallers.Create(b => b, b => b));
        var invoker = Client(ClientSecurity.None, out var channel);
        foreach (var body in new[] { new byte[] { 0xff, 0xff, 0xff, 0xff, 0x0f }, new byte[] { 0x0a, 0x80 }, new byte[100_000] })
        {
            var e = await Assert.ThrowsAsync<RpcException>(async () => await invoker.AsyncUnaryCall(garbage, null, new CallOptions(deadline: NimbusRpc.Deadline), body));
            Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
            Assert.Contains("no bearer token", e.Status.Detail, StringComparison.Ordinal);
        }

        Assert.Empty(_errors.Errors);

        // With credentials the same body reaches gRPC, which refuses it as it always did; the caller is known.
        var known = Client(User("alice"), out _);
        await Assert.ThrowsAsync<RpcException>(async () => await known.AsyncUnaryCall(garbage, null, new CallOptions(deadline: NimbusRpc.Deadline), [0xff, 0xff, 0xff, 0xff, 0x0f]));
        GC.KeepAlive(channel);
    }

    [Fact]
    public async Task BadTokens_AreRefusedWithTheReason()
    {
        await StartAsync();
        var otherSecret = StormTokens.Create(Encoding.UTF8.GetBytes("another secret, as long as the cluster's one"), "alice", IdentityKind.User, DateTimeOffset.UtcNow.AddHours(1));
        var expired = StormTokens.Create(SecretBytes, "alice", IdentityKind.User, DateTimeOffset.UtcNow.AddSeconds(-5));
        var good = StormTokens.Create(SecretBytes, "alice", IdentityKind.User, DateTimeOffset.UtcNow.AddHours(1));
        var altered = good[..^3] + (good[^3] == 'A' ? "B" : "A") + good[^2..];
        foreach (var (token, reason) in new[] { (otherSecret, "signature"), (expired, "expired"), (altered, "signature"), ("garbage", "not a StormSharp token"), ("st1.!!!.???", "malformed") })
        {
            var e = await Assert.ThrowsAsync<RpcException>(async () => await Client(WithToken(token)).GetClusterInfoAsync(new Empty(), deadline: NimbusRpc.Deadline));
            Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
            Assert.Contains(reason, e.Status.Detail, StringComparison.Ordinal);
        }

        await Client(WithToken(good)).GetClusterInfoAsync(new Empty(), deadline: NimbusRpc.Deadline);
    }

    [Fact]
    public async Task SignedPayloadsThatAreNotAJsonObject_AreRefusedAsMalformed()
    {
        // Found by the fuzzer: a payload that is JSON but not an object made the token check throw (Unknown, an error and its stack in the log).
        await StartAsync();
        foreach (var payload in new[] { "[1,2,3]", "\"alice\"", "7", "null" })
        {
            var signed = "st1." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload));
            var token = signed + "." + Base64Url.EncodeToString(HMACSHA256.HashData(SecretBytes, Encoding.UTF8.GetBytes(signed)));
            Assert.False(StormTokens.TryValidate(SecretBytes, token, DateTimeOffset.UtcNow, out _, out var reason));
            Assert.Contains("malformed", reason, StringComparison.Ordinal);
            var e = await Assert.ThrowsAsync<RpcException>(async () => await Client(WithToken(token)).GetClusterInfoAsync(new Empty(), deadline: NimbusRpc.Deadline));
            Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
            Assert.Contains("malformed", e.Status.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task OwnersUsersReadOnlyUsersAndAdmins_EachMayDoWhatStormLetsThem()
    {
        await StartAsync();
        var alice = Client(User("alice"));
        var id = await SubmitAsync(alice, "word-count", ("topology.users", new List<object?> { "dave" }), ("topology.readonly.users", new List<object?> { "carol" }));

        // The owner is who authenticated, not what the header claims.
        var summary = Assert.Single((await alice.GetClusterInfoAsync(new Empty(), deadline: NimbusRpc.Deadline)).Topologies);
        Assert.Equal("alice", summary.Owner);

        var bob = Client(User("bob"));
        Assert.Single((await bob.GetClusterInfoAsync(new Empty(), deadline: NimbusRpc.Deadline)).Topologies);
        await AssertDeniedAsync(() => bob.KillTopologyAsync(new KillRequest { Name = "word-count" }, deadline: NimbusRpc.Deadline).ResponseAsync, "'bob' may not kill");
        await AssertDeniedAsync(() => bob.GetTopologyInfoAsync(new TopologyRequest { Id = id }, deadline: NimbusRpc.Deadline).ResponseAsync, "'bob' may not look at");
        await AssertDeniedAsync(() => bob.GetTopologyConfAsync(new TopologyRequest { Name = "word-count" }, deadline: NimbusRpc.Deadline).ResponseAsync, "may not look at");

        var carol = Client(User("carol"));
        await carol.GetTopologyInfoAsync(new TopologyRequest { Id = id }, deadline: NimbusRpc.Deadline);
        await carol.GetTopologyErrorsAsync(new TopologyRequest { Name = "word-count" }, deadline: NimbusRpc.Deadline);
        await AssertDeniedAsync(() => carol.DeactivateAsync(new TopologyRequest { Name = "word-count" }, deadline: NimbusRpc.Deadline).ResponseAsync, "'carol' may not kill, activate, deactivate or rebalance");

        var viewer = Client(User("viewer"));
        await viewer.GetTopologyInfoAsync(new TopologyRequest { Id = id }, deadline: NimbusRpc.Deadline);
        await AssertDeniedAsync(() => viewer.ActivateAsync(new TopologyRequest { Name = "word-count" }, deadline: NimbusRpc.Deadline).ResponseAsync, "may not kill");

        var dave = Client(User("dave"));
        await dave.DeactivateAsync(new TopologyRequest { Name = "word-count" }, deadline: NimbusRpc.Deadline);
        Assert.Equal("INACTIVE", (await alice.GetTopologyInfoAsync(new TopologyRequest { Id = id }, deadline: NimbusRpc.Deadline)).Summary.Status);

        await Client(User("admin")).KillTopologyAsync(new KillRequest { Name = "word-count", WaitSecs = 0 }, deadline: NimbusRpc.Deadline);
        await Deadline.Until(
            async () => (await alice.GetClusterInfoAsync(new Empty(), deadline: NimbusRpc.Deadline)).Topologies.Count == 0,
            "the admin's kill to remove the topology");
    }

    [Fact]
    public async Task NimbusUsers_LimitsWhoMaySubmit()
    {
        await StartAsync(("nimbus.users", new List<object?> { "alice" }));
        await AssertDeniedAsync(() => SubmitAsync(Client(User("bob")), "bobs"), "'bob' may not submit topologies (not in nimbus.users)");
        await SubmitAsync(Client(User("alice")), "alices");
        await SubmitAsync(Client(User("admin")), "admins");
    }

    [Fact]
    public async Task AWorkerToken_SpeaksForItsOwnTopologyOnly()
    {
        await StartAsync();
        var id = await SubmitAsync(Client(User("alice")), "word-count");
        var worker = Client(WithToken(StormTokens.WorkerToken(SecretBytes, id)));
        await worker.SendWorkerHeartbeatAsync(new WorkerHeartbeat { TopologyId = id, SupervisorId = "s1", Host = "127.0.0.1", Port = 6700 }, deadline: NimbusRpc.Deadline);
        await worker.GetTopologyDocumentAsync(new TopologyRequest { Id = id }, deadline: NimbusRpc.Deadline);
        await AssertDeniedAsync(
            () => worker.SendWorkerHeartbeatAsync(new WorkerHeartbeat { TopologyId = "other-1-1", SupervisorId = "s1", Host = "127.0.0.1", Port = 6700 }, deadline: NimbusRpc.Deadline).ResponseAsync,
            "worker of " + id);
        await AssertDeniedAsync(() => worker.KillTopologyAsync(new KillRequest { Name = "word-count" }, deadline: NimbusRpc.Deadline).ResponseAsync, "may not kill");
        await AssertDeniedAsync(() => SubmitAsync(worker, "from-a-worker"), "may not submit");

        // A user, even the owner, does not send heartbeats; a daemon (the supervisor's token) may download anything.
        await AssertDeniedAsync(
            () => Client(User("alice")).SendWorkerHeartbeatAsync(new WorkerHeartbeat { TopologyId = id, SupervisorId = "s1", Host = "127.0.0.1", Port = 6700 }, deadline: NimbusRpc.Deadline).ResponseAsync,
            "may not send heartbeats");
        var daemon = Client(ClusterCredentials.ForDaemon(SecurityOptions.From(SecureConf(), _dir), "supervisor"));
        await daemon.GetTopologyDocumentAsync(new TopologyRequest { Id = id }, deadline: NimbusRpc.Deadline);
    }

    [Fact]
    public async Task WithTheCertificateScheme_AClientCertificateOfTheClustersCaIsThePrincipal()
    {
        var certs = new TestCertificates();
        _disposals.Add(certs);
        await StartAsync(
            ("storm.auth.scheme", "certificate"),
            ("storm.tls.certificate.path", certs.ServerCertificatePath),
            ("storm.tls.key.path", certs.ServerKeyPath),
            ("storm.tls.ca.path", certs.CaPath));
        var authorities = TlsFiles.LoadAuthorities(certs.CaPath);
        var (aliceCert, aliceKey) = certs.Issue("alice");
        var alice = Client(new ClientSecurity { Tls = true, TrustedAuthorities = authorities, ClientCertificate = TlsFiles.LoadCertificate(aliceCert, aliceKey) });
        await SubmitAsync(alice, "word-count");
        Assert.Equal("alice", Assert.Single((await alice.GetClusterInfoAsync(new Empty(), deadline: NimbusRpc.Deadline)).Topologies).Owner);

        // TLS alone is not an identity.
        var e = await Assert.ThrowsAsync<RpcException>(async () =>
            await Client(new ClientSecurity { Tls = true, TrustedAuthorities = authorities }).GetClusterInfoAsync(new Empty(), deadline: NimbusRpc.Deadline));
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Contains("no client certificate", e.Status.Detail, StringComparison.Ordinal);

        // A certificate from another CA names no one.
        using var strangers = new TestCertificates("another CA");
        var (malloryCert, malloryKey) = strangers.Issue("mallory");
        var stranger = await Assert.ThrowsAsync<RpcException>(async () =>
            await Client(new ClientSecurity { Tls = true, TrustedAuthorities = authorities, ClientCertificate = TlsFiles.LoadCertificate(malloryCert, malloryKey) })
                .GetClusterInfoAsync(new Empty(), deadline: NimbusRpc.Deadline));
        Assert.Equal(StatusCode.Unauthenticated, stranger.StatusCode);
        Assert.Contains("not one the cluster's CA issued", stranger.Status.Detail, StringComparison.Ordinal);

        // A token works over TLS too; a client that does not trust the server's CA does not connect.
        await Client(new ClientSecurity { Tls = true, TrustedAuthorities = authorities, Token = () => Token("bob") }).GetClusterInfoAsync(new Empty(), deadline: NimbusRpc.Deadline);
        var untrusting = await Assert.ThrowsAsync<RpcException>(async () =>
            await Client(new ClientSecurity { Tls = true, TrustedAuthorities = TlsFiles.LoadAuthorities(strangers.CaPath), Token = () => Token("bob") })
                .GetClusterInfoAsync(new Empty(), deadline: NimbusRpc.Deadline));
        Assert.Contains("SSL", untrusting.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASecuredNimbusWithoutItsSecret_DoesNotStart()
    {
        var conf = SecureConf();
        conf.Remove("storm.auth.secret");
        var e = await Assert.ThrowsAsync<ConfigurationException>(() => NimbusDaemon.StartAsync(conf, _cluster.OpenSession(), NullLoggerFactory.Instance, CancellationToken.None));
        Assert.Contains("storm.auth.secret", e.Message, StringComparison.Ordinal);
    }

    private static string Token(string user) => StormTokens.Create(SecretBytes, user, IdentityKind.User, DateTimeOffset.UtcNow.AddHours(1));

    private static ClientSecurity User(string user) => WithToken(Token(user));

    private static ClientSecurity WithToken(string token) => new() { Token = () => token };

    private static async Task AssertDeniedAsync(Func<Task> call, string expected)
    {
        var e = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Contains(expected, e.Status.Detail, StringComparison.Ordinal);
    }

    private Dictionary<string, object?> SecureConf(params (string Key, object? Value)[] overrides)
    {
        var conf = new Dictionary<string, object?>(ConfigLoader.Defaults, StringComparer.Ordinal)
        {
            ["nimbus.thrift.port"] = 0,
            ["storm.local.hostname"] = "127.0.0.1",
            ["storm.local.dir"] = Path.Combine(_dir, "local"),
            ["nimbus.monitor.freq.secs"] = 1,
            ["storm.auth.scheme"] = "token",
            ["storm.auth.secret"] = Secret,
            ["nimbus.admins"] = new List<object?> { "admin" },
            ["ui.users"] = new List<object?> { "viewer" },
        };
        foreach (var (k, v) in overrides)
        {
            conf[k] = v;
        }

        return conf;
    }

    private async Task StartAsync(params (string Key, object? Value)[] overrides)
    {
        var session = _cluster.OpenSession();
        _nimbus = await NimbusDaemon.StartAsync(SecureConf(overrides), session, LoggerFactory.Create(b => b.AddProvider(_errors)), CancellationToken.None).Within("Nimbus to start");
        _stops.Add(session);
        _stops.Add(_nimbus);
        var supervisor = _cluster.OpenSession();
        _stops.Add(supervisor);
        var info = new SupervisorInfo { Host = "127.0.0.1", StartTimeMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Version = "test" };
        info.SlotPorts.Add([6700, 6701]);
        await supervisor.RegisterSupervisorAsync("s1", info).Within("registering a supervisor");
    }

    private CallInvoker Client(ClientSecurity security, out GrpcChannel channel)
    {
        channel = security.Channel("127.0.0.1:" + _nimbus.Port, 16 * 1024 * 1024, TimeSpan.FromSeconds(5));
        _disposals.Add(channel);
        return channel.CreateCallInvoker();
    }

    private GrpcNimbus.NimbusClient Client(ClientSecurity security)
    {
        var channel = security.Channel("127.0.0.1:" + _nimbus.Port, 16 * 1024 * 1024, TimeSpan.FromSeconds(5));
        _disposals.Add(channel);
        return new GrpcNimbus.NimbusClient(channel);
    }

    private static async Task<string> SubmitAsync(GrpcNimbus.NimbusClient client, string name, params (string Key, object? Value)[] conf)
    {
        var (bytes, packed) = Packages.WordCount;
        var topologyConf = new Dictionary<string, object?> { ["topology.workers"] = 1, ["topology.message.timeout.secs"] = 5 };
        foreach (var (k, v) in conf)
        {
            topologyConf[k] = v;
        }

        using var call = client.SubmitTopology(deadline: NimbusRpc.Deadline);
        try
        {
            await call.RequestStream.WriteAsync(new SubmitChunk
            {
                Header = new SubmitHeader
                {
                    Name = name,
                    TopologyDocument = ByteString.CopyFrom(NimbusRpc.Document(WordCountTopology.Build(), topologyConf)),
                    EntryAssembly = "StormSharp.Examples.WordCount.dll",
                    PackageLength = bytes.Length,
                    PackageSha256 = packed.Sha256,
                    Owner = "whoever-the-client-claims",
                },
            });
            await call.RequestStream.WriteAsync(new SubmitChunk { Data = ByteString.CopyFrom(bytes) });
            await call.RequestStream.CompleteAsync();
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException)
        {
            // Refused before the whole package was sent; the refusal is the response.
        }

        return (await call.ResponseAsync.Within("the submit of " + name)).TopologyId;
    }
}
