using System.Text;
using StormSharp.ZooKeeper;
using StormSharp.ZooKeeper.Tests.Infrastructure;

namespace StormSharp.Cluster.Tests;

/// <summary>
/// <c>storm.zookeeper.auth.payload</c>: the cluster's znodes carry the digest ACL of its credentials, so another
/// ZooKeeper client, Apache's zkCli.sh included, cannot change assignments or leadership without them.
/// </summary>
[Collection(StandaloneCollection.Name)]
public sealed class ZooKeeperAclTests(StandaloneServerFixture server)
{
    private const string Credentials = "storm:s3cret";

    [Fact]
    public async Task DigestAuth_EveryZnodeLockedToTheCredentials_OthersGetNoAuthAndZkCliCannotWrite()
    {
        var root = "/secured-" + Guid.NewGuid().ToString("N")[..8];
        await using var state = await ConnectAsync(root);
        await state.RegisterSupervisorAsync("sup-a", new SupervisorInfo { Host = "host-a" });
        await state.SetStormBaseAsync("topo-1", new StormBase { Name = "topo", Status = TopologyStatus.Active });
        await state.SetAssignmentAsync("topo-1", new Assignment());
        await state.ReportErrorAsync("topo-1", new ErrorInfo { Component = "split", Message = "boom" });
        await state.JoinLeaderElectionAsync("nimbus-a:6627");
        await state.WaitForLeadershipAsync().Within("leadership");

        // Another daemon with the same credentials reads and writes as usual.
        await using (var peer = await ConnectAsync(root))
        {
            Assert.NotNull(await peer.GetAssignmentAsync("topo-1"));
            await peer.SetAssignmentAsync("topo-2", new Assignment());
        }

        await using var authenticated = await ZooKeeperClient.ConnectAsync(server.ConnectionString).Within("an authenticated raw client");
        await authenticated.AddAuthAsync("digest", Credentials);
        var (acl, _) = await authenticated.GetAclAsync(root + "/assignments/topo-1").Within("the assignment's ACL");
        Assert.Equal([new Acl(Perms.All, "digest", Acls.DigestId("storm", "s3cret"))], acl);

        await using var anonymous = await ZooKeeperClient.ConnectAsync(server.ConnectionString).Within("a client without credentials");
        await using var wrong = await ZooKeeperClient.ConnectAsync(server.ConnectionString).Within("a client with the wrong password");
        await wrong.AddAuthAsync("digest", "storm:guess");
        foreach (var other in new[] { anonymous, wrong })
        {
            await Assert.ThrowsAsync<NoAuthException>(async () => await other.SetDataAsync(root + "/assignments/topo-1", Encoding.UTF8.GetBytes("evil")));
            await Assert.ThrowsAsync<NoAuthException>(async () => await other.CreateAsync(root + "/assignments/evil", ReadOnlyMemory<byte>.Empty, Acls.OpenUnsafe));
            await Assert.ThrowsAsync<NoAuthException>(async () => await other.CreateAsync(root + "/leader-lock/evil", ReadOnlyMemory<byte>.Empty, Acls.OpenUnsafe));
            await Assert.ThrowsAsync<NoAuthException>(async () => await other.DeleteAsync(root + "/storms/topo-1"));
            await Assert.ThrowsAsync<NoAuthException>(async () => await other.GetDataAsync(root + "/storms/topo-1"));
        }

        var (_, output) = await ZkCli.RunAsync(server.ConnectionString, $"set {root}/assignments/topo-1 evil");
        Assert.Contains("Insufficient permission", output, StringComparison.Ordinal);
        (_, output) = await ZkCli.RunAsync(server.ConnectionString, $"create {root}/storms/evil x");
        Assert.Contains("Insufficient permission", output, StringComparison.Ordinal);
        Assert.NotNull(await state.GetAssignmentAsync("topo-1"));
        Assert.DoesNotContain("evil", await state.GetActiveStormsAsync());
    }

    private Task<ZooKeeperClusterState> ConnectAsync(string root) =>
        ZooKeeperClusterState.ConnectAsync(
            new ZooKeeperClientOptions { ConnectionString = server.ConnectionString, SessionTimeout = Clients.SessionTimeout },
            new ClusterStateOptions { Root = root, DigestAuth = Credentials }).Within("a cluster-state session with credentials");
}
