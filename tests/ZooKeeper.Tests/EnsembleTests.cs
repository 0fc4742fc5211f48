using System.Text;
using StormSharp.ZooKeeper.Tests.Infrastructure;

namespace StormSharp.ZooKeeper.Tests;

[Collection(EnsembleCollection.Name)]
public sealed class EnsembleTests(EnsembleFixture fixture) : IAsyncLifetime
{
    private readonly Clients _clients = new(fixture.Ensemble.ConnectionString);
    private readonly string _root = "/ensemble-" + Guid.NewGuid().ToString("N")[..8];

    private ZooKeeperEnsemble Ensemble => fixture.Ensemble;

    public async Task InitializeAsync()
    {
        await Ensemble.EnsureAllRunningAsync().Within("every server serving", TimeSpan.FromSeconds(90));
    }

    public async Task DisposeAsync() => await _clients.DisposeAsync();

    [Theory]
    [InlineData("follower")]
    [InlineData("leader")]
    public async Task KillConnectedServer_ClientMovesKeepsSessionEphemeralsAndWatches(string role)
    {
        var states = new Events<ConnectionState>();

        // Long enough to outlast the leader election that follows killing the leader on a busy machine.
        var client = await _clients.ConnectAsync(sessionTimeout: TimeSpan.FromSeconds(10), onState: states.Handler);
        var observer = await _clients.ConnectAsync(sessionTimeout: TimeSpan.FromSeconds(10));

        // The client tries servers round-robin, so a few forced reconnects land it on the wanted role.
        for (var hop = 0; await Ensemble.ServerAt(client.ConnectedServer!).ModeAsync() != role; hop++)
        {
            Assert.True(hop < 6, $"could not land on the {role}");
            client.SimulateConnectionLoss();
            await states.WaitForAsync(s => s == ConnectionState.Reconnected, "reconnect to the next server");
        }

        await client.CreateAsync(_root, ReadOnlyMemory<byte>.Empty, Acls.OpenUnsafe).Within("create root");
        await client.CreateAsync(_root + "/eph", Encoding.UTF8.GetBytes("mine"), Acls.OpenUnsafe, CreateMode.Ephemeral).Within("create ephemeral");
        await client.CreateAsync(_root + "/w", ReadOnlyMemory<byte>.Empty, Acls.OpenUnsafe).Within("create watched node");
        var events = new Events<WatchedEvent>();
        await client.GetDataAsync(_root + "/w", events.Handler).Within("data watch");
        var childEvents = new Events<WatchedEvent>();
        await client.GetChildrenAsync(_root, childEvents.Handler).Within("child watch");

        var sessionId = client.SessionId;
        var victim = client.ConnectedServer!;
        Ensemble.ServerAt(victim).Kill();

        await states.WaitForAsync(s => s == ConnectionState.Disconnected, "disconnect from the killed server");
        await states.WaitForAsync(s => s == ConnectionState.Reconnected, "reconnect to another server", TimeSpan.FromSeconds(30));
        Assert.Equal(sessionId, client.SessionId);
        Assert.NotEqual(victim, client.ConnectedServer);
        Assert.DoesNotContain(ConnectionState.Expired, states.All);

        await observer.SyncAsync(_root).Within("observer sync", TimeSpan.FromSeconds(30));
        var stat = await observer.ExistsAsync(_root + "/eph").Within("ephemeral seen by another session", TimeSpan.FromSeconds(30));
        Assert.NotNull(stat);
        Assert.Equal(sessionId, stat!.EphemeralOwner);

        await observer.SetDataAsync(_root + "/w", Encoding.UTF8.GetBytes("changed")).Within("change watched node", TimeSpan.FromSeconds(30));
        await observer.CreateAsync(_root + "/child", ReadOnlyMemory<byte>.Empty, Acls.OpenUnsafe).Within("create child", TimeSpan.FromSeconds(30));
        Assert.Equal(EventType.NodeDataChanged, (await events.NextAsync("data watch after failover")).Type);
        Assert.Equal(EventType.NodeChildrenChanged, (await childEvents.NextAsync("child watch after failover")).Type);

        Assert.Equal("mine", Encoding.UTF8.GetString((await client.GetDataAsync(_root + "/eph").Within("read own ephemeral")).Data));
    }

    [Fact]
    public async Task StopAllServers_LongerThanSessionTimeout_ExpiredThenNewSession()
    {
        var states = new Events<ConnectionState>();
        var client = await _clients.ConnectAsync(onState: states.Handler);
        await client.CreateAsync(_root, ReadOnlyMemory<byte>.Empty, Acls.OpenUnsafe).Within("create root");
        await client.CreateAsync(_root + "/eph", ReadOnlyMemory<byte>.Empty, Acls.OpenUnsafe, CreateMode.Ephemeral).Within("create ephemeral");
        var oldSession = client.SessionId;
        var watchEvents = new Events<WatchedEvent>();
        await client.GetDataAsync(_root + "/eph", watchEvents.Handler).Within("watch");

        foreach (var s in Ensemble.Servers)
        {
            s.Kill();
        }

        // The client may have hopped to a server killed after its own, so wait for the state
        // with every server dead rather than for the first Disconnected event.
        await Deadline.Until(() => Task.FromResult(client.State == ConnectionState.Disconnected), "the client to be disconnected from every server");

        // A request made during the outage fails once the session is given up, rather than hanging.
        var during = client.GetDataAsync(_root + "/eph").AsTask();
        await states.WaitForAsync(s => s == ConnectionState.Expired, "expiry while no server is up", TimeSpan.FromSeconds(15));
        await Assert.ThrowsAsync<SessionExpiredException>(() => during).Within("request made during the outage");
        Assert.Equal(new WatchedEvent(EventType.None, KeeperState.Expired, null), await watchEvents.NextAsync("watcher told of expiry"));

        // With no session and no server, a request fails after a round of attempts instead of waiting forever.
        await Assert.ThrowsAsync<ConnectionLossException>(() => client.ExistsAsync("/").AsTask()).Within("request with no session and no server", TimeSpan.FromSeconds(10));

        foreach (var s in Ensemble.Servers)
        {
            s.Start();
        }

        await states.WaitForAsync(s => s == ConnectionState.Reconnected, "a new session once servers return", TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, client.SessionId);
        Assert.NotEqual(oldSession, client.SessionId);

        // The old session's ephemeral goes when the restored ensemble expires that session.
        await Deadline.Until(async () => await client.ExistsAsync(_root + "/eph") is null, "the old session's ephemeral to vanish", TimeSpan.FromSeconds(30));
        await client.CreateAsync(_root + "/eph", ReadOnlyMemory<byte>.Empty, Acls.OpenUnsafe, CreateMode.Ephemeral).Within("re-create ephemeral in the new session");
    }
}
