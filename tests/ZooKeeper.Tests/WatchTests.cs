using System.Text;
using StormSharp.ZooKeeper.Tests.Infrastructure;

namespace StormSharp.ZooKeeper.Tests;

[Collection(StandaloneCollection.Name)]
public sealed class WatchTests(StandaloneServerFixture server) : IAsyncLifetime
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);
    private readonly Clients _clients = new(server.ConnectionString);
    private readonly string _root = "/watch-" + Guid.NewGuid().ToString("N")[..8];
    private ZooKeeperClient _zk = null!;

    public async Task InitializeAsync()
    {
        _zk = await _clients.ConnectAsync();
        await _zk.CreateAsync(_root, Array.Empty<byte>(), Acls.OpenUnsafe).Within("root create");
    }

    public async Task DisposeAsync() => await _clients.DisposeAsync();

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public async Task GetDataAsync_WatchThenTwoUpdates_FiresDataChangedOnce()
    {
        await _zk.CreateAsync(_root + "/d", B("0"), Acls.OpenUnsafe).Within("create");
        var events = new Events<WatchedEvent>();
        await _zk.GetDataAsync(_root + "/d", events.Handler).Within("getData with watch");
        await _zk.SetDataAsync(_root + "/d", B("1")).Within("set 1");
        await _zk.SetDataAsync(_root + "/d", B("2")).Within("set 2");

        var e = await events.NextAsync("data watch");
        Assert.Equal(new WatchedEvent(EventType.NodeDataChanged, KeeperState.SyncConnected, _root + "/d"), e);
        Assert.True(await events.StaysQuietAsync(Quiet), "a one-shot watch fired twice");
    }

    [Fact]
    public async Task ExistsAsync_WatchOnMissingNode_FiresNodeCreated()
    {
        var events = new Events<WatchedEvent>();
        Assert.Null(await _zk.ExistsAsync(_root + "/later", events.Handler).Within("exists with watch"));
        var other = await _clients.ConnectAsync();
        await other.CreateAsync(_root + "/later", B("x"), Acls.OpenUnsafe).Within("create by other session");
        var e = await events.NextAsync("exists watch");
        Assert.Equal(EventType.NodeCreated, e.Type);
        Assert.Equal(_root + "/later", e.Path);
    }

    [Fact]
    public async Task ExistsAsync_WatchOnExistingNode_FiresNodeDeleted()
    {
        await _zk.CreateAsync(_root + "/del", B("x"), Acls.OpenUnsafe).Within("create");
        var events = new Events<WatchedEvent>();
        Assert.NotNull(await _zk.ExistsAsync(_root + "/del", events.Handler).Within("exists with watch"));
        await _zk.DeleteAsync(_root + "/del").Within("delete");
        Assert.Equal(EventType.NodeDeleted, (await events.NextAsync("deletion event")).Type);
        Assert.True(await events.StaysQuietAsync(Quiet));
    }

    [Fact]
    public async Task GetChildrenAsync_WatchAndOtherSessionCreatesChild_FiresChildrenChanged()
    {
        var events = new Events<WatchedEvent>();
        var kids = await _zk.GetChildrenAsync(_root, events.Handler).Within("getChildren with watch");
        Assert.Empty(kids.Children);
        var other = await _clients.ConnectAsync();
        await other.CreateAsync(_root + "/kid", B(""), Acls.OpenUnsafe).Within("create child by other session");
        var e = await events.NextAsync("children watch");
        Assert.Equal(new WatchedEvent(EventType.NodeChildrenChanged, KeeperState.SyncConnected, _root), e);

        // Setting a child's data is not a children change; the watch is spent anyway.
        await other.CreateAsync(_root + "/kid2", B(""), Acls.OpenUnsafe).Within("second child");
        Assert.True(await events.StaysQuietAsync(Quiet));
    }

    [Fact]
    public async Task GetChildrenAsync_DataChangeOfChild_DoesNotFire()
    {
        await _zk.CreateAsync(_root + "/c", B(""), Acls.OpenUnsafe).Within("create");
        var events = new Events<WatchedEvent>();
        await _zk.GetChildrenAsync(_root, events.Handler).Within("getChildren with watch");
        await _zk.SetDataAsync(_root + "/c", B("changed")).Within("set child data");
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
            await _zk.CreateAsync($"{_root}/n{i:D3}", B(""), Acls.OpenUnsafe).Within("create");
            await _zk.GetDataAsync($"{_root}/n{i:D3}", e => handler((e.Path, Environment.CurrentManagedThreadId))).Within("watch");
        }

        var other = await _clients.ConnectAsync();
        for (var i = 0; i < N; i++)
        {
            await other.SetDataAsync($"{_root}/n{i:D3}", B("x")).Within("set");
        }

        var seen = new List<(string? Path, int Thread)>();
        for (var i = 0; i < N; i++)
        {
            seen.Add(await events.NextAsync($"event {i}"));
        }

        Assert.Equal(Enumerable.Range(0, N).Select(i => $"{_root}/n{i:D3}"), seen.Select(s => s.Path));
        Assert.Single(seen.Select(s => s.Thread).Distinct());
    }

    [Fact]
    public async Task Watch_SameWatcherOnDataAndExists_FiresOncePerEvent()
    {
        await _zk.CreateAsync(_root + "/both", B(""), Acls.OpenUnsafe).Within("create");
        var events = new Events<WatchedEvent>();
        Action<WatchedEvent> watcher = events.Handler;
        await _zk.GetDataAsync(_root + "/both", watcher).Within("getData watch");
        await _zk.ExistsAsync(_root + "/both", watcher).Within("exists watch");
        await _zk.SetDataAsync(_root + "/both", B("x")).Within("set");
        Assert.Equal(EventType.NodeDataChanged, (await events.NextAsync("event")).Type);
        Assert.True(await events.StaysQuietAsync(Quiet));
    }

    [Fact]
    public async Task Watch_ConnectionDroppedAndChangeMadeMeanwhile_FiresAfterReconnect()
    {
        await using var proxy = new TcpProxy(server.Ensemble.Servers[0].ClientPort);
        var states = new Events<ConnectionState>();
        var viaProxy = await new Clients(proxy.Address).ConnectAsync(onState: states.Handler);
        try
        {
            await _zk.CreateAsync(_root + "/w", B("0"), Acls.OpenUnsafe).Within("create");
            var events = new Events<WatchedEvent>();
            await viaProxy.GetDataAsync(_root + "/w", events.Handler).Within("watch through proxy");
            var childEvents = new Events<WatchedEvent>();
            await viaProxy.GetChildrenAsync(_root, childEvents.Handler).Within("child watch through proxy");
            var existsEvents = new Events<WatchedEvent>();
            await viaProxy.ExistsAsync(_root + "/w2", existsEvents.Handler).Within("exists watch through proxy");

            proxy.CutAndBlock();
            await states.WaitForAsync(s => s == ConnectionState.Disconnected, "disconnected");

            // Changed while the watching client cannot hear about it.
            await _zk.SetDataAsync(_root + "/w", B("1")).Within("set while disconnected");
            await _zk.CreateAsync(_root + "/w2", B(""), Acls.OpenUnsafe).Within("create while disconnected");
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
        await _zk.CreateAsync(_root + "/r", B("0"), Acls.OpenUnsafe).Within("create");
        var states = new Events<ConnectionState>();
        var watcherClient = await _clients.ConnectAsync(onState: states.Handler);
        var events = new Events<WatchedEvent>();
        await watcherClient.GetDataAsync(_root + "/r", events.Handler).Within("watch");
        watcherClient.SimulateConnectionLoss();
        await states.WaitForAsync(s => s == ConnectionState.Reconnected, "reconnected");
        Assert.True(await events.StaysQuietAsync(TimeSpan.FromMilliseconds(100)));
        await _zk.SetDataAsync(_root + "/r", B("1")).Within("set after reconnect");
        Assert.Equal(EventType.NodeDataChanged, (await events.NextAsync("watch after reconnect")).Type);
        Assert.True(await events.StaysQuietAsync(Quiet));
    }

    [Fact]
    public async Task Watch_SessionExpires_WatcherToldExpired()
    {
        await _zk.CreateAsync(_root + "/x", B("0"), Acls.OpenUnsafe).Within("create");
        var states = new Events<ConnectionState>();
        var victim = await _clients.ConnectAsync(onState: states.Handler);
        var events = new Events<WatchedEvent>();
        await victim.GetDataAsync(_root + "/x", events.Handler).Within("watch");
        var expired = states.WaitForAsync(s => s == ConnectionState.Expired, "expired", TimeSpan.FromSeconds(30));
        await SessionKiller.ExpireAsync(victim, server.ConnectionString, expired);
        Assert.Equal(new WatchedEvent(EventType.None, KeeperState.Expired, null), await events.NextAsync("expiry told to watcher"));
    }
}
