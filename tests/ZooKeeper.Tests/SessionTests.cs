using System.Text;
using StormSharp.ZooKeeper.Tests.Infrastructure;

namespace StormSharp.ZooKeeper.Tests;

[Collection(StandaloneCollection.Name)]
public sealed class SessionTests(StandaloneServerFixture server) : RootedClientTest(server, "session")
{
    [Fact]
    public async Task ConnectAsync_Server_NegotiatesTimeoutAndRaisesConnected()
    {
        var states = new Events<ConnectionState>();
        var client = await ZooKeeperClient.ConnectAsync(new ZooKeeperClientOptions
        {
            ConnectionString = Server.ConnectionString,
            SessionTimeout = TimeSpan.FromSeconds(120),
            OnConnectionStateChanged = states.Handler,
        }).Within("connect");
        try
        {
            Assert.NotEqual(0, client.SessionId);
            Assert.Equal(ConnectionState.Connected, client.State);

            // The fixture's maxSessionTimeout is 30 s: the server clamps what we asked for.
            Assert.Equal(TimeSpan.FromSeconds(30), client.SessionTimeout);
            Assert.Equal(Server.Ensemble.Servers[0].Address, client.ConnectedServer);
        }
        finally
        {
            await client.CloseAsync().Within("close");
        }

        Assert.Equal(ConnectionState.Connected, await states.NextAsync("connected state"));
        Assert.Equal(ConnectionState.Closed, await states.NextAsync("closed state"));
    }

    [Fact]
    public async Task ConnectAsync_NothingListening_ThrowsConnectionLossWithinTimeout()
    {
        var port = Ports.Free();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<ConnectionLossException>(() => ZooKeeperClient.ConnectAsync(new ZooKeeperClientOptions
        {
            ConnectionString = $"127.0.0.1:{port}",
            ConnectTimeout = TimeSpan.FromSeconds(1),
        })).Within("failed connect");
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"took {sw.Elapsed}");
        Assert.Equal(ErrorCode.ConnectionLoss, ex.Code);
    }

    [Fact]
    public async Task ConnectionLoss_InFlightRequestsFail_ThenSessionContinues()
    {
        var states = new Events<ConnectionState>();
        var client = await Clients.ConnectAsync(onState: states.Handler);
        var id = client.SessionId;
        await client.CreateAsync(Root + "/n", B("1"), Acls.OpenUnsafe).Within("create");

        var inFlight = Enumerable.Range(0, 200).Select(_ => client.GetDataAsync(Root + "/n").AsTask()).ToArray();
        client.SimulateConnectionLoss();
        foreach (var t in inFlight)
        {
            try
            {
                await t.Within("in-flight request to finish");
            }
            catch (ConnectionLossException)
            {
                // Either answered before the drop or failed with ConnectionLoss; never anything else, never a hang.
            }
        }

        Assert.Equal(ConnectionState.Connected, await states.NextAsync("connected"));
        Assert.Equal(ConnectionState.Disconnected, await states.NextAsync("disconnected"));
        Assert.Equal(ConnectionState.Reconnected, await states.NextAsync("reconnected"));
        Assert.Equal(id, client.SessionId);
        Assert.Equal("1", Encoding.UTF8.GetString((await client.GetDataAsync(Root + "/n").Within("read after reconnect")).Data));
    }

    [Fact]
    public async Task Pings_IdleLongerThanSessionTimeout_SessionStaysAlive()
    {
        var states = new Events<ConnectionState>();
        var client = await Clients.ConnectAsync(sessionTimeout: TimeSpan.FromMilliseconds(2000), onState: states.Handler);
        Assert.Equal(TimeSpan.FromMilliseconds(2000), client.SessionTimeout);
        await client.CreateAsync(Root + "/idle", B(""), Acls.OpenUnsafe, CreateMode.Ephemeral).Within("create ephemeral");
        var id = client.SessionId;

        // Idle on purpose for well over the session timeout: only pings keep the session alive.
        await Task.Delay(TimeSpan.FromMilliseconds(4000));

        Assert.Equal(id, client.SessionId);
        Assert.Equal([ConnectionState.Connected], states.All);
        Assert.Equal(id, (await Zk.ExistsAsync(Root + "/idle").Within("exists"))!.EphemeralOwner);
    }

    [Fact]
    public async Task Ephemeral_SessionCloses_NodeVanishes()
    {
        var owner = await Clients.ConnectAsync();
        await owner.CreateAsync(Root + "/e", B(""), Acls.OpenUnsafe, CreateMode.Ephemeral).Within("create ephemeral");
        var events = new Events<WatchedEvent>();
        Assert.NotNull(await Zk.ExistsAsync(Root + "/e", events.Handler).Within("watch"));
        await owner.CloseAsync().Within("close owner");
        Assert.Equal(EventType.NodeDeleted, (await events.NextAsync("ephemeral deletion")).Type);
        Assert.Null(await Zk.ExistsAsync(Root + "/e").Within("exists"));
    }

    [Fact]
    public async Task Ephemeral_Reconnect_NodeSurvives()
    {
        var states = new Events<ConnectionState>();
        var owner = await Clients.ConnectAsync(onState: states.Handler);
        await owner.CreateAsync(Root + "/e", B(""), Acls.OpenUnsafe, CreateMode.Ephemeral).Within("create ephemeral");
        owner.SimulateConnectionLoss();
        await states.WaitForAsync(s => s == ConnectionState.Reconnected, "reconnected");
        var stat = await Zk.ExistsAsync(Root + "/e").Within("exists");
        Assert.NotNull(stat);
        Assert.Equal(owner.SessionId, stat!.EphemeralOwner);
    }

    [Fact]
    public async Task Ephemeral_SessionExpires_NodeVanishesAndNewSessionCanRecreate()
    {
        var states = new Events<ConnectionState>();
        var owner = await Clients.ConnectAsync(onState: states.Handler);
        var oldId = owner.SessionId;
        await owner.CreateAsync(Root + "/e", B(""), Acls.OpenUnsafe, CreateMode.Ephemeral).Within("create ephemeral");

        var expired = states.WaitForAsync(s => s == ConnectionState.Expired, "expired", TimeSpan.FromSeconds(30));
        await SessionKiller.ExpireAsync(owner, Server.ConnectionString, expired);
        Assert.Null(await Zk.ExistsAsync(Root + "/e").Within("exists after expiry"));

        // As with Curator: Expired, then Reconnected on a brand-new session.
        await states.WaitForAsync(s => s == ConnectionState.Reconnected, "reconnected with a new session");
        Assert.NotEqual(oldId, owner.SessionId);
        await owner.CreateAsync(Root + "/e", B(""), Acls.OpenUnsafe, CreateMode.Ephemeral).Within("re-create ephemeral");
        Assert.Equal(owner.SessionId, (await Zk.ExistsAsync(Root + "/e").Within("exists"))!.EphemeralOwner);
    }

    [Fact]
    public async Task CloseAsync_PendingAndLaterRequests_FailWithoutHanging()
    {
        var client = await Clients.ConnectAsync();
        await client.CloseAsync().Within("close");
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.GetDataAsync("/").AsTask()).Within("request after close");
        Assert.Equal(ConnectionState.Closed, client.State);
    }
}
