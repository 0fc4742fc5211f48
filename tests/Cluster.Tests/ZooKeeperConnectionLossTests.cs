using StormSharp.ZooKeeper;
using StormSharp.ZooKeeper.Tests.Infrastructure;

namespace StormSharp.Cluster.Tests;

/// <summary>What <see cref="ZooKeeperClusterState"/>'s remarks promise when the connection drops but the session survives.</summary>
[Collection(StandaloneCollection.Name)]
public sealed class ZooKeeperConnectionLossTests(StandaloneServerFixture server) : IAsyncLifetime
{
    private readonly ClusterStateOptions _options = new() { Root = "/storm-loss-" + Guid.NewGuid().ToString("N")[..8] };
    private readonly List<IAsyncDisposable> _owned = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync().AsTask().Within("test resources to close");
        }
    }

    [Fact]
    public async Task ConnectionCut_Leader_DropsLeadershipAtOnceThenRegainsItAndCatchesUpOnWatches()
    {
        var proxy = Own(new TcpProxy(server.Ensemble.Servers[0].ClientPort));
        var nimbus = Own(await ConnectAsync(proxy.Address));
        var writer = Own(await ConnectAsync(server.ConnectionString));
        var leadership = new Events<bool>();
        var assignments = new Events<AssignmentsChange>();
        nimbus.LeadershipChanged += leadership.Handler;
        Own(await nimbus.WatchAssignmentsAsync(assignments.Handler));
        await nimbus.JoinLeaderElectionAsync("nimbus-a:6627");
        Assert.True(await leadership.NextAsync("leadership gained"));

        proxy.CutAndBlock();

        Assert.False(await leadership.NextAsync("leadership dropped on the connection cut", TimeSpan.FromSeconds(3)));
        Assert.False(nimbus.IsLeader);
        await writer.SetAssignmentAsync("topo-1", new Assignment());
        var waiting = nimbus.GetAssignmentAsync("topo-1");
        Assert.False(waiting.IsCompleted, "a read issued while disconnected should wait for the connection");

        proxy.Unblock();

        Assert.NotNull(await waiting.Within("the read issued while disconnected"));
        Assert.True(await leadership.NextAsync("leadership regained within the same session"));
        await assignments.WaitForAsync(c => c.Added.Contains("topo-1"), "the assignment written while disconnected");
    }

    private async Task<ZooKeeperClusterState> ConnectAsync(string connectionString) =>
        await ZooKeeperClusterState.ConnectAsync(
            new ZooKeeperClientOptions { ConnectionString = connectionString, SessionTimeout = TimeSpan.FromSeconds(10), ConnectTimeout = TimeSpan.FromSeconds(15) },
            _options).Within("a cluster-state session via " + connectionString);

    private T Own<T>(T resource)
        where T : IAsyncDisposable
    {
        _owned.Add(resource);
        return resource;
    }
}
