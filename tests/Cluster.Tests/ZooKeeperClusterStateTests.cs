using StormSharp.ZooKeeper;
using StormSharp.ZooKeeper.Tests.Infrastructure;

namespace StormSharp.Cluster.Tests;

/// <summary>The contract against a real Apache ZooKeeper server; each test under a root of its own.</summary>
[Collection(StandaloneCollection.Name)]
public sealed class ZooKeeperClusterStateTests(StandaloneServerFixture server) : ClusterStateContractTests
{
    private readonly string _root = "/storm-test-" + Guid.NewGuid().ToString("N")[..8];

    protected override async Task<IClusterState> OpenAsync() =>
        await ZooKeeperClusterState.ConnectAsync(
            new ZooKeeperClientOptions { ConnectionString = server.ConnectionString, SessionTimeout = Clients.SessionTimeout, ConnectTimeout = TimeSpan.FromSeconds(15) },
            new ClusterStateOptions { Root = _root });

    protected override async Task ExpireSessionAsync(IClusterState state)
    {
        var client = ((ZooKeeperClusterState)state).Client;
        var expired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ConnectionStateChanged += s =>
        {
            if (s == ConnectionState.Expired)
            {
                expired.TrySetResult();
            }
        };
        await SessionKiller.ExpireAsync(client, server.ConnectionString, expired.Task);
    }

    protected override async Task AssertTopologyGoneAsync(string topologyId)
    {
        await using var clients = new Clients(server.ConnectionString);
        var zk = await clients.ConnectAsync();
        foreach (var path in new[] { $"{_root}/storms/{topologyId}", $"{_root}/assignments/{topologyId}", $"{_root}/errors/{topologyId}" })
        {
            Assert.Null(await zk.ExistsAsync(path).Within("exists " + path));
        }
    }
}
