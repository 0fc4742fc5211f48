using System.Text;
using StormSharp.ZooKeeper.Tests.Infrastructure;

namespace StormSharp.ZooKeeper.Tests;

[Collection(StandaloneCollection.Name)]
public sealed class WatchTests(StandaloneServerFixture server) : RootedClientTest(server, "watch")
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);

    [Fact]
    public async Task GetDataAsync_WatchThenTwoUpdates_FiresDataChangedOnce()
    {
        await Zk.CreateAsync(Root + "/d", B("0"), Acls.OpenUnsafe).Within("create");
        var events = new Events<WatchedEvent>();
        await Zk.GetDataAsync(Root + "/d", events.Handler).Within("getData with watch");
        await Zk.SetDataAsync(Root + "/d", B("1")).Within("set 1");
        await Zk.SetDataAsync(Root + "/d", B("2")).Within("set 2");

        var e = await events.NextAsync("data watch");
        Assert.Equal(new WatchedEvent(EventType.NodeDataChanged, KeeperState.SyncConnected, Root + "/d"), e);
        Assert.True(await events.StaysQuietAsync(Quiet), "a one-shot watch fired twice");
    }

    [Fact]
    public async Task ExistsAsync_WatchOnMissingNode_FiresNodeCreated()
    {
        var events = new Events<WatchedEvent>();
        Assert.Null(await Zk.ExistsAsync(Root + "/later", events.Handler).Within("exists with watch"));
        var other = await Clients.ConnectAsync();
        await other.CreateAsync(Root + "/later", B("x"), Acls.OpenUnsafe).Within("create by other session");
        var e = await events.NextAsync("exists watch");
        Assert.Equal(EventType.NodeCreated, e.Type);
        Assert.Equal(Root + "/later", e.Path);
    }

    [Fact]
    public async Task ExistsAsync_WatchOnExistingNode_FiresNodeDeleted()
    {
        await Zk.CreateAsync(Root + "/del", B("x"), Acls.OpenUnsafe).Within("create");
        var events = new Events<WatchedEvent>();
        Assert.NotNull(await Zk.ExistsAsync(Root + "/del", events.Handler).Within("exists with watch"));
        await Zk.DeleteAsync(Root + "/del").Within("delete");
        Assert.Equal(EventType.NodeDeleted, (await events.NextAsync("deletion event")).Type);
        Assert.True(await events.StaysQuietAsync(Quiet));
    }

    [Fact]
    public async Task GetChildrenAsync_WatchAndOtherSessionCreatesChild_FiresChildrenChanged()
    {
        var events = new Events<WatchedEvent>();
        var kids = await Zk.GetChildrenAsync(Root, events.Handler).Within("getChildren with watch");
        Assert.Empty(kids.Children);
        var other = await Clients.ConnectAsync();
        await other.CreateAsync(Root + "/kid", B(""), Acls.OpenUnsafe).Within("create child by other session");
        var e = await events.NextAsync("children watch");
        Assert.Equal(new WatchedEvent(EventType.NodeChildrenChanged, KeeperState.SyncConnected, Root), e);

        // Setting a child's data is not a children change; the watch is spent anyway.
        await other.CreateAsync(Root + "/kid2", B(""), Acls.OpenUnsafe).Within("second child");
        Assert.True(await events.StaysQuietAsync(Quiet));
    }

    [Fact]
    public async Task GetChildrenAsync_DataChangeOfChild_DoesNotFire()
    {
        await Zk.CreateAsync(Root + "/c", B(""), Acls.OpenUnsafe).Within("create");
        var events = new Events<WatchedEvent>();
        await Zk.GetChildrenAsync(Root, events.Handler).Within("getChildren with watch");
        await Zk.SetDataAsync(Root + "/c", B("changed")).Within("set child data");
        Assert.True(await events.StaysQuietAsync(Quiet));
    }

    [Fact]
    public async Task Watches_ManyNodesChanged_DeliveredInOrderOnOneThread()
    {
        const int N = 50;
        var events = new Events<(string? Path, int Thread)>();
        var handler = events.Handler;
        for (var i = 0; i < N; i++)
        {
            await Zk.CreateAsync($"{Root}/n{i:D3}", B(""), Acls.OpenUnsafe).Within("create");
            await Zk.GetDataAsync($"{Root}/n{i:D3}", e => handler((e.Path, Environment.CurrentManagedThreadId))).Within("watch");
        }

        var other = await Clients.ConnectAsync();
        for (var i = 0; i < N; i++)
        {
            await other.SetDataAsync($"{Root}/n{i:D3}", B("x")).Within("set");
        }

        var seen = new List<(string? Path, int Thread)>();
        for (var i = 0; i < N; i++)
        {
            seen.Add(await events.NextAsync($"event {i}"));
        }

        Assert.Equal(Enumerable.Range(0, N).Select(i => $"{Root}/n{i:D3}"), seen.Select(s => s.Path));
        Assert.Single(seen.Select(s => s.Thread).Distinct());
    }

    [Fact]
    public async Task Watch_SameWatcherOnDataAndExists_FiresOncePerEvent()
    {
        await Zk.CreateAsync(Root + "/both", B(""), Acls.OpenUnsafe).Within("create");
        var events = new Events<WatchedEvent>();
        Action<WatchedEvent> watcher = events.Handler;
        await Zk.GetDataAsync(Root + "/both", watcher).Within("getData watch");
        await Zk.ExistsAsync(Root + "/both", watcher).Within("exists watch");
        await Zk.SetDataAsync(Root + "/both", B("x")).Within("set");
        Assert.Equal(EventType.NodeDataChanged, (await events.NextAsync("event")).Type);
        Assert.True(await events.StaysQuietAsync(Quiet));
    }

    [Fact]
    public async Task Watch_ConnectionDroppedAndChangeMadeMeanwhile_FiresAfterReconnect()
    {
        await using var proxy = new TcpProxy(Server.Ensemble.Servers[0].ClientPort);
        var states = new Events<ConnectionState>();
        var viaProxy = await new Clients(proxy.Address).ConnectAsync(onState: states.Handler);
        try
        {
            await Zk.CreateAsync(Root + "/w", B("0"), Acls.OpenUnsafe).Within("create");
            var events = new Events<WatchedEvent>();
            await viaProxy.GetDataAsync(Root + "/w", events.Handler).Within("watch through proxy");
            var childEvents = new Events<WatchedEvent>();
            await viaProxy.GetChildrenAsync(Root, childEvents.Handler).Within("child watch through proxy");
            var existsEvents = new Events<WatchedEvent>();
            await viaProxy.ExistsAsync(Root + "/w2", existsEvents.Handler).Within("exists watch through proxy");

            proxy.CutAndBlock();
            await states.WaitForAsync(s => s == ConnectionState.Disconnected, "disconnected");

            // Changed while the watching client cannot hear about it.
            await Zk.SetDataAsync(Root + "/w", B("1")).Within("set while disconnected");
            await Zk.CreateAsync(Root + "/w2", B(""), Acls.OpenUnsafe).Within("create while disconnected");
            Assert.Empty(events.All);

            proxy.Unblock();
            await states.WaitForAsync(s => s == ConnectionState.Reconnected, "reconnected");
            Assert.Equal(EventType.NodeDataChanged, (await events.NextAsync("data watch after reconnect")).Type);
            Assert.Equal(EventType.NodeChildrenChanged, (await childEvents.NextAsync("child watch after reconnect")).Type);
            Assert.Equal(EventType.NodeCreated, (await existsEvents.NextAsync("exists watch after reconnect")).Type);
            Assert.True(await events.StaysQuietAsync(Quiet));
        }
        finally
        {
            await viaProxy.CloseAsync().Within("close");
        }
    }

    [Fact]
    public async Task Watch_ReconnectWithoutChange_StillFiresOnLaterChange()
    {
        await Zk.CreateAsync(Root + "/r", B("0"), Acls.OpenUnsafe).Within("create");
        var states = new Events<ConnectionState>();
        var watcherClient = await Clients.ConnectAsync(onState: states.Handler);
        var events = new Events<WatchedEvent>();
        await watcherClient.GetDataAsync(Root + "/r", events.Handler).Within("watch");
        watcherClient.SimulateConnectionLoss();
        await states.WaitForAsync(s => s == ConnectionState.Reconnected, "reconnected");
        Assert.True(await events.StaysQuietAsync(TimeSpan.FromMilliseconds(100)));
        await Zk.SetDataAsync(Root + "/r", B("1")).Within("set after reconnect");
        Assert.Equal(EventType.NodeDataChanged, (await events.NextAsync("watch after reconnect")).Type);
        Assert.True(await events.StaysQuietAsync(Quiet));
    }

    [Fact]
    public async Task Watch_SessionExpires_WatcherToldExpired()
    {
        await Zk.CreateAsync(Root + "/x", B("0"), Acls.OpenUnsafe).Within("create");
        var states = new Events<ConnectionState>();
        var victim = await Clients.ConnectAsync(onState: states.Handler);
        var events = new Events<WatchedEvent>();
        await victim.GetDataAsync(Root + "/x", events.Handler).Within("watch");
        var expired = states.WaitForAsync(s => s == ConnectionState.Expired, "expired", TimeSpan.FromSeconds(30));
        await SessionKiller.ExpireAsync(victim, Server.ConnectionString, expired);
        Assert.Equal(new WatchedEvent(EventType.None, KeeperState.Expired, null), await events.NextAsync("expiry told to watcher"));
    }
}
