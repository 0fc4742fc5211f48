using System.Runtime.Versioning;
using System.Text;
using System.Text.Json;
using StormSharp.Cluster.Security;
using StormSharp.Supervisor.Tests.Infrastructure;
using StormSharp.ZooKeeper.Tests.Infrastructure;

namespace StormSharp.Supervisor.Tests;

/// <summary>What a supervisor of a secured cluster hands its workers: the topology's token, never the cluster's secret.</summary>
[Collection(StandaloneCollection.Name)]
public sealed class SupervisorSecurityTests(StandaloneServerFixture zooKeeper)
{
    private static readonly TimeSpan WorkerStart = TimeSpan.FromSeconds(40);

    [Fact]
    [SupportedOSPlatform("linux")]
    public async Task SecuredSupervisor_LaunchesAWorker_WhoseConfigHoldsTheTopologysTokenAndNotTheSecretAndOnlyItsOwnerMayReadIt()
    {
        await using var rig = await ClusterRig.StartAsync(zooKeeper);
        var secret = "supervisor-test-secret-" + Guid.NewGuid().ToString("N");
        var secretFile = Path.Combine(rig.Directory, "secret");
        await File.WriteAllTextAsync(secretFile, secret + "\n");
        var port = Ports.Free();
        var conf = rig.Conf("a", [port]);
        conf["storm.auth.scheme"] = "token";
        conf["storm.auth.secret.file"] = secretFile;
        await rig.StartSupervisorAsync(conf, "a");

        var id = await rig.SubmitWordCountAsync(workers: 1);
        await Deadline.Until(async () => await rig.TotalAsync(id, "sentences", c => c.Acked) > 5, "the worker, holding only its token, to ack sentences\n" + rig.LogOf("a", id, port), WorkerStart);

        var confFile = Directory.EnumerateFiles(Path.Combine(rig.Directory, "a", "local", "workers"), "storm-conf.json", SearchOption.AllDirectories).Single();
        var text = await File.ReadAllTextAsync(confFile);
        Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        Assert.False(root.TryGetProperty("storm.auth.secret", out _), "the worker's config names no secret");
        Assert.False(root.TryGetProperty("storm.auth.secret.file", out _), "the worker's config names no secret file");
        Assert.Equal(StormTokens.WorkerToken(Encoding.UTF8.GetBytes(secret), id), root.GetProperty("storm.auth.worker.token").GetString());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(confFile));

        // The worker runs its transfer port closed to strangers, and says so; its log holds no secret.
        var log = rig.LogOf("a", id, port);
        Assert.Contains("takes this topology's workers only", log, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenSupervisor_LaunchesAWorker_WithoutAToken()
    {
        await using var rig = await ClusterRig.StartAsync(zooKeeper);
        var port = Ports.Free();
        await rig.StartSupervisorAsync("a", port);

        var id = await rig.SubmitWordCountAsync(workers: 1);
        await Deadline.Until(async () => await rig.TotalAsync(id, "sentences", c => c.Acked) > 5, "the worker to ack sentences\n" + rig.LogOf("a", id, port), WorkerStart);

        var confFile = Directory.EnumerateFiles(Path.Combine(rig.Directory, "a", "local", "workers"), "storm-conf.json", SearchOption.AllDirectories).Single();
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(confFile));
        Assert.False(json.RootElement.TryGetProperty("storm.auth.worker.token", out var token) && token.ValueKind != JsonValueKind.Null, "an open cluster's worker has no token");
        Assert.Contains("transfer port open", rig.LogOf("a", id, port), StringComparison.Ordinal);
    }
}
