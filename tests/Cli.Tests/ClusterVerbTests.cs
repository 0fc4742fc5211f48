using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using StormSharp.Cli;
using StormSharp.Cluster;
using StormSharp.Cluster.Security;
using StormSharp.Nimbus;

namespace StormSharp.Cli.Tests;

/// <summary>
/// The verbs that talk to Nimbus, run through <see cref="StormCommand.RunAsync"/> against an in-process Nimbus on
/// an in-memory cluster state with two registered supervisors.
/// </summary>
public sealed class ClusterVerbTests : IAsyncLifetime
{
    private static readonly string WordCountDll = typeof(ClusterVerbTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "WordCountTargetPath").Value!;

    private readonly InMemoryClusterState _cluster = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("stormsharp-cli-nimbus-").FullName;
    private InMemoryClusterState? _nimbusSession;
    private NimbusDaemon? _nimbus;

    public async Task InitializeAsync()
    {
        foreach (var id in new[] { "sup-a", "sup-b" })
        {
            var info = new SupervisorInfo { Host = "127.0.0.1" };
            info.SlotPorts.Add([6700, 6701]);
            await _cluster.RegisterSupervisorAsync(id, info);
        }

        var conf = new Dictionary<string, object?>(Runtime.Configuration.ConfigLoader.Defaults, StringComparer.Ordinal)
        {
            ["nimbus.thrift.port"] = 0,
            ["storm.local.hostname"] = "127.0.0.1",
            ["storm.local.dir"] = _dir,
            ["nimbus.monitor.freq.secs"] = 1,
        };
        _nimbusSession = _cluster.OpenSession();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        _nimbus = await NimbusDaemon.StartAsync(conf, _nimbusSession, NullLoggerFactory.Instance, timeout.Token);
    }

    public async Task DisposeAsync()
    {
        if (_nimbus is not null)
        {
            await _nimbus.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
        }

        if (_nimbusSession is not null)
        {
            await _nimbusSession.DisposeAsync();
        }

        await _cluster.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private string[] Seeds(int? port = null) => ["-c", "nimbus.seeds=[\"127.0.0.1\"]", "-c", $"nimbus.thrift.port={port ?? _nimbus!.Port}"];

    [Fact]
    public async Task List_NoTopologies_SaysSoAndExitsZero()
    {
        var (code, stdout, _) = await RunAsync(["list", .. Seeds()]);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal("No topologies running.", stdout.Trim());
    }

    [Fact]
    public async Task JarListKill_WordCount_SubmittedWithOverridesListedThenRemoved()
    {
        var (code, stdout, stderr) = await RunAsync(["jar", WordCountDll, "StormSharp.Examples.WordCount.WordCountTopology", "-c", "topology.workers=2", .. Seeds()]);

        Assert.True(code == ExitCodes.Ok, stderr);
        var id = stdout.Trim();
        Assert.Matches(@"^word-count-\d+-\d+$", id);
        var stormBase = (await _cluster.GetStormBaseAsync(id))!.Value;
        Assert.Equal(2, stormBase.NumWorkers);
        Assert.Equal(2, (await _cluster.GetAssignmentAsync(id))!.Value.Workers.Count);

        var (listCode, list, _) = await RunAsync(["list", .. Seeds()]);
        Assert.Equal(ExitCodes.Ok, listCode);
        var lines = list.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Matches(@"^Topology_name\s+Status\s+Num_tasks\s+Num_workers\s+Uptime_secs\s+Topology_Id\s+Owner$", lines[0]);
        Assert.Matches($@"^word-count\s+ACTIVE\s+8\s+2\s+\d+\s+{id}\s+\S+$", lines[2]);

        var (killCode, killed, _) = await RunAsync(["kill", "word-count", "-w", "0", .. Seeds()]);
        Assert.Equal(ExitCodes.Ok, killCode);
        Assert.Contains("Killed topology: word-count", killed, StringComparison.Ordinal);
        var sw = Stopwatch.StartNew();
        while (await _cluster.GetStormBaseAsync(id) is not null)
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(15), "timed out waiting for the killed topology to be removed");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task JarFlux_ExampleWordCount_SubmittedUnderTheFileName()
    {
        var flux = Path.Combine(RepoRoot.Path, "examples", "WordCount", "flux", "word-count.yaml");

        var (code, stdout, stderr) = await RunAsync(["jar", WordCountDll, "--flux", flux, .. Seeds()]);

        Assert.True(code == ExitCodes.Ok, stderr);
        var id = stdout.Trim();
        Assert.Matches(@"^word-count-flux-\d+-\d+$", id);
        Assert.Contains("Finished submitting topology: word-count-flux", stderr, StringComparison.Ordinal);
        Assert.NotNull(await _cluster.GetStormBaseAsync(id));
    }

    [Fact]
    public async Task JarFlux_StreamToUnknownBolt_RefusedBeforeNimbusNamingTheLine()
    {
        var flux = Path.Combine(_dir, "bad.yaml");
        await File.WriteAllTextAsync(flux, "name: \"bad\"\nspouts:\n  - {id: \"s\", className: \"StormSharp.Examples.WordCount.RandomSentenceSpout\"}\nstreams:\n  - {from: \"s\", to: \"nobody\", grouping: {type: SHUFFLE}}\n");

        var (code, stdout, stderr) = await RunAsync(["jar", WordCountDll, "--flux", flux, .. Seeds()]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Empty(stdout);
        Assert.Contains($"jar: {flux}:5: stream s --> nobody: 'nobody' is not a bolt of this topology (known: none)", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Jar_RefusedByNimbus_ExitsOneWithNimbusReason()
    {
        var (code, stdout, stderr) = await RunAsync(["jar", WordCountDll, "StormSharp.Examples.WordCount.WordCountTopology", "-c", "topology.workers=0", .. Seeds()]);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Empty(stdout);
        Assert.Contains("topology.workers", stderr, StringComparison.Ordinal);
        Assert.Contains("refused", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kill_UnknownTopology_ExitsTwoNamingIt()
    {
        var (code, _, stderr) = await RunAsync(["kill", "no-such", .. Seeds()]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("'no-such'", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rebalance_BadExecutorOption_ExitsTwoWithUsage()
    {
        var (code, _, stderr) = await RunAsync(["rebalance", "word-count", "-e", "count", .. Seeds()]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("-e 'count' must be COMPONENT=PARALLELISM", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_NoNimbusAnswers_ExitsOneNamingTheAddressWithinTheBudget()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var sw = Stopwatch.StartNew();

        var (code, _, stderr) = await RunAsync(["list", .. Seeds(port)]);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains($"127.0.0.1:{port}", stderr, StringComparison.Ordinal);
        Assert.Contains("no Nimbus answered", stderr, StringComparison.Ordinal);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(15), $"gave up after {sw.Elapsed}");
    }

    [Fact]
    public async Task AuthToken_WithTheSecret_PrintsATokenNimbusTakesAndWithoutItSaysWhatIsMissing()
    {
        var (code, stdout, stderr) = await RunAsync(["auth-token", "alice", "--expire-secs", "60", "-c", "storm.auth.secret=" + SecureSecret]);
        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.True(StormTokens.TryValidate(Encoding.UTF8.GetBytes(SecureSecret), stdout.Trim(), DateTimeOffset.UtcNow, out var who, out var reason), reason);
        Assert.Equal("alice", who!.Principal);
        Assert.InRange(who.Expires!.Value, DateTimeOffset.UtcNow.AddSeconds(30), DateTimeOffset.UtcNow.AddSeconds(70));

        var (noSecret, _, why) = await RunAsync(["auth-token", "alice"]);
        Assert.Equal(ExitCodes.Usage, noSecret);
        Assert.Contains("storm.auth.secret", why, StringComparison.Ordinal);
        var (shortSecret, _, tooShort) = await RunAsync(["auth-token", "alice", "-c", "storm.auth.secret=short"]);
        Assert.Equal(ExitCodes.Usage, shortSecret);
        Assert.Contains("at least 32 characters", tooShort, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verbs_OnASecuredNimbus_PresentTheirTokenAndSayWhichOneWasRefusedAndWhy()
    {
        await using var secured = await SecuredNimbus.StartAsync(Path.Combine(_dir, "secured"));
        string[] Args(params string[] verb) => [.. verb, "-c", "nimbus.seeds=[\"127.0.0.1\"]", "-c", $"nimbus.thrift.port={secured.Port}"];
        string As(string user) => "storm.auth.token=" + StormTokens.Create(Encoding.UTF8.GetBytes(SecureSecret), user, IdentityKind.User, DateTimeOffset.UtcNow.AddMinutes(10));

        var (anonymous, _, refusal) = await RunAsync(Args("list"));
        Assert.Equal(ExitCodes.Failure, anonymous);
        Assert.Contains("list: Nimbus refused the call", refusal, StringComparison.Ordinal);
        Assert.Contains("this client showed no credentials (set STORM_AUTH_TOKEN", refusal, StringComparison.Ordinal);

        var (submitted, id, jarErrors) = await RunAsync(Args("jar", WordCountDll, "StormSharp.Examples.WordCount.WordCountTopology", "-c", As("alice")));
        Assert.True(submitted == ExitCodes.Ok, jarErrors);
        var (_, list, _) = await RunAsync(Args("list", "-c", As("bob")));
        Assert.Matches($@"word-count\s+ACTIVE\s+\d+\s+\d+\s+\d+\s+{id.Trim()}\s+alice", list);

        var (bobKill, _, denied) = await RunAsync(Args("kill", "word-count", "-c", As("bob")));
        Assert.Equal(ExitCodes.Failure, bobKill);
        Assert.Contains("kill: refused: 'bob' may not kill, activate, deactivate or rebalance topology 'word-count'", denied, StringComparison.Ordinal);

        // The environment's token wins over storm.yaml's, and the error names where it came from.
        var expired = StormTokens.Create(Encoding.UTF8.GetBytes(SecureSecret), "alice", IdentityKind.User, DateTimeOffset.UtcNow.AddSeconds(-1));
        Environment.SetEnvironmentVariable("STORM_AUTH_TOKEN", expired);
        try
        {
            var (stale, _, why) = await RunAsync(Args("kill", "word-count", "-c", As("alice")));
            Assert.Equal(ExitCodes.Failure, stale);
            Assert.Contains("expired", why, StringComparison.Ordinal);
            Assert.Contains("the token from STORM_AUTH_TOKEN", why, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("STORM_AUTH_TOKEN", null);
        }

        var (killed, _, killErrors) = await RunAsync(Args("kill", "word-count", "-w", "0", "-c", As("alice")));
        Assert.True(killed == ExitCodes.Ok, killErrors);
    }

    private const string SecureSecret = "the CLI tests' secret, long enough for HMAC-SHA256";

    /// <summary>A Nimbus with <c>storm.auth.scheme: token</c> on a cluster state of its own, with one supervisor.</summary>
    private sealed class SecuredNimbus : IAsyncDisposable
    {
        private readonly InMemoryClusterState _state;
        private readonly InMemoryClusterState _session;
        private readonly NimbusDaemon _nimbus;

        private SecuredNimbus(InMemoryClusterState state, InMemoryClusterState session, NimbusDaemon nimbus)
        {
            _state = state;
            _session = session;
            _nimbus = nimbus;
        }

        public int Port => _nimbus.Port;

        public static async Task<SecuredNimbus> StartAsync(string dir)
        {
            var state = new InMemoryClusterState();
            var info = new SupervisorInfo { Host = "127.0.0.1" };
            info.SlotPorts.Add([6700, 6701]);
            await state.RegisterSupervisorAsync("sup-secure", info);
            var conf = new Dictionary<string, object?>(Runtime.Configuration.ConfigLoader.Defaults, StringComparer.Ordinal)
            {
                ["nimbus.thrift.port"] = 0,
                ["storm.local.hostname"] = "127.0.0.1",
                ["storm.local.dir"] = dir,
                ["storm.auth.scheme"] = "token",
                ["storm.auth.secret"] = SecureSecret,
            };
            var session = state.OpenSession();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            return new SecuredNimbus(state, session, await NimbusDaemon.StartAsync(conf, session, NullLoggerFactory.Instance, timeout.Token));
        }

        public async ValueTask DisposeAsync()
        {
            await _nimbus.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
            await _session.DisposeAsync();
            await _state.DisposeAsync();
        }
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var code = await StormCommand.RunAsync(args, stdout, stderr, timeout.Token).WaitAsync(timeout.Token);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
