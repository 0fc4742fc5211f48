using StormSharp.ZooKeeper;
using StormSharp.ZooKeeper.Tests.Infrastructure;

namespace StormSharp.Cluster.Tests;

/// <summary>Apache's own command-line client sees Storm's layout, so operators can inspect a cluster as they would Storm's.</summary>
[Collection(StandaloneCollection.Name)]
public sealed class ZkCliLayoutTests(StandaloneServerFixture server)
{
    [Fact]
    public async Task ZkCliLs_AfterEveryKindOfWrite_ShowsStormsLayoutUnderSlashStorm()
    {
        await using var state = await ZooKeeperClusterState.ConnectAsync(
            new ZooKeeperClientOptions { ConnectionString = server.ConnectionString, SessionTimeout = Clients.SessionTimeout },
            new ClusterStateOptions()).Within("a cluster-state session");
        await state.RegisterSupervisorAsync("sup-a", new SupervisorInfo { Host = "host-a" });
        await state.RegisterNimbusAsync(new NimbusSummary { Host = "nimbus-a", Port = 6627 });
        await state.SetStormBaseAsync("topo-1", new StormBase { Name = "topo", Status = TopologyStatus.Active });
        await state.SetAssignmentAsync("topo-1", new Assignment());
        await state.ReportErrorAsync("topo-1", new ErrorInfo { Component = "split", Message = "boom" });
        await state.AddBlobHolderAsync("topo-1-stormjar", "nimbus-a:6627");
        await state.JoinLeaderElectionAsync("nimbus-a:6627");
        await state.WaitForLeadershipAsync().Within("leadership, so that /storm/leader-lock has a candidate");

        var top = await ZkCliAsync("ls /storm");
        var tree = await ZkCliAsync("ls -R /storm");

        Assert.Contains("[assignments, blobstore, errors, leader-lock, nimbuses, storms, supervisors]", top, StringComparison.Ordinal);
        var paths = tree.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        foreach (var expected in new[]
        {
            "/storm/supervisors/sup-a", "/storm/nimbuses/nimbus-a:6627", "/storm/storms/topo-1", "/storm/assignments/topo-1",
            "/storm/errors/topo-1/split", "/storm/blobstore/topo-1-stormjar/nimbus-a:6627",
        })
        {
            Assert.True(paths.Contains(expected), $"zkCli ls -R /storm did not list {expected}; it printed:\n{tree}");
        }

        Assert.Contains(paths, p => p.StartsWith("/storm/errors/topo-1/split/e-", StringComparison.Ordinal));
        Assert.Contains(paths, p => p.StartsWith("/storm/leader-lock/", StringComparison.Ordinal));
        Assert.DoesNotContain(paths, p => p.Contains("workerbeats", StringComparison.Ordinal));
    }

    private async Task<string> ZkCliAsync(string command)
    {
        var (code, output) = await ZkCli.RunAsync(server.ConnectionString, command);
        Assert.True(code == 0, $"zkCli.sh {command} exited with {code}:\n{output}");
        return output;
    }
}
