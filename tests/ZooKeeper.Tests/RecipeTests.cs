using StormSharp.ZooKeeper.Tests.Infrastructure;

namespace StormSharp.ZooKeeper.Tests;

[Collection(StandaloneCollection.Name)]
public sealed class RecipeTests(StandaloneServerFixture server) : IAsyncLifetime
{
    private readonly Clients _clients = new(server.ConnectionString);
    private readonly string _root = "/recipes-" + Guid.NewGuid().ToString("N")[..8];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _clients.DisposeAsync();

    /// <summary>Counts participants that currently believe they lead; fails the test on a second one.</summary>
    private sealed class LeaderMonitor
    {
        private readonly Lock _lock = new();
        private readonly HashSet<string> _leaders = [];

        public List<string> Violations { get; } = [];

        public List<string> History { get; } = [];

        public Action<bool> For(string id) => leader =>
        {
            lock (_lock)
            {
                if (leader)
                {
                    if (_leaders.Count > 0)
                    {
                        Violations.Add($"{id} became leader while {string.Join(",", _leaders)} led");
                    }

                    _leaders.Add(id);
                    History.Add(id);
                }
                else
                {
                    _leaders.Remove(id);
                }
            }
        };

        public string[] Leaders
        {
            get
            {
                lock (_lock)
                {
                    return [.. _leaders];
                }
            }
        }
    }

    [Fact]
    public async Task LeaderElection_FiveCandidates_ExactlyOneLeaderAndHandoverInJoinOrder()
    {
        var monitor = new LeaderMonitor();
        var participants = new List<(ZooKeeperClient Client, LeaderElection Election, Events<ConnectionState> States)>();
        for (var i = 0; i < 5; i++)
        {
            var states = new Events<ConnectionState>();
            var client = await _clients.ConnectAsync(onState: states.Handler);
            var election = new LeaderElection(client, _root + "/election", $"p{i}");
            election.LeadershipChanged += monitor.For($"p{i}");
            await election.StartAsync();

            // Joining in order makes the succession predictable: p0, p1, ...
            if (i == 0)
            {
                await election.WaitForLeadershipAsync().Within("first leader");
            }
            else
            {
                await Deadline.Until(async () => (await client.GetChildrenAsync(_root + "/election")).Children.Count == i + 1, $"p{i} to enter");
            }

            participants.Add((client, election, states));
        }

        Assert.Equal("p0", await participants[4].Election.GetLeaderIdAsync().Within("leader id"));

        // Kill leaders one by one by expiring their sessions; each time the next in line takes over.
        for (var i = 0; i < 4; i++)
        {
            var (client, election, states) = participants[i];
            Assert.True(election.IsLeader, $"p{i} should lead");
            var expired = states.WaitForAsync(s => s == ConnectionState.Expired, $"p{i} expiry", TimeSpan.FromSeconds(30));
            await SessionKiller.ExpireAsync(client, server.ConnectionString, expired);
            await participants[i + 1].Election.WaitForLeadershipAsync().Within($"p{i + 1} to take over");
            await election.DisposeAsync().Within($"p{i} to leave");
        }

        Assert.Empty(monitor.Violations);
        // A victim may briefly win its session back (and lead again) before the steal completes,
        // so leaders can repeat; the order of succession cannot change.
        Assert.Equal(["p0", "p1", "p2", "p3", "p4"], monitor.History.Distinct().ToArray());
        Assert.Equal(["p4"], monitor.Leaders);
        await participants[4].Election.DisposeAsync().Within("p4 to leave");
    }

    [Fact]
    public async Task LeaderElection_LeaderClosesClient_NextTakesOver()
    {
        var a = await _clients.ConnectAsync();
        var b = await _clients.ConnectAsync();
        var ea = new LeaderElection(a, _root + "/e2", "a");
        var eb = new LeaderElection(b, _root + "/e2", "b");
        await ea.StartAsync();
        await ea.WaitForLeadershipAsync().Within("a leads");
        await eb.StartAsync();
        await Deadline.Until(async () => (await b.GetChildrenAsync(_root + "/e2")).Children.Count == 2, "b to enter");
        Assert.False(eb.IsLeader);

        await a.CloseAsync().Within("close a");
        await eb.WaitForLeadershipAsync().Within("b to lead after a's session closed");
        Assert.False(ea.IsLeader);
        Assert.Equal("b", await eb.GetLeaderIdAsync().Within("leader id"));
        await eb.DisposeAsync().Within("b to leave");
        await ea.DisposeAsync().Within("a to leave");
    }

    [Fact]
    public async Task LeaderElection_LeaderReconnectsWithinSession_KeepsItsPlace()
    {
        var states = new Events<ConnectionState>();
        var a = await _clients.ConnectAsync(onState: states.Handler);
        var b = await _clients.ConnectAsync();
        await using var ea = new LeaderElection(a, _root + "/e3", "a");
        await using var eb = new LeaderElection(b, _root + "/e3", "b");
        var changes = new Events<bool>();
        ea.LeadershipChanged += changes.Handler;
        await ea.StartAsync();
        Assert.True(await changes.NextAsync("a leads"));
        await eb.StartAsync();
        await Deadline.Until(async () => (await b.GetChildrenAsync(_root + "/e3")).Children.Count == 2, "b to enter");

        a.SimulateConnectionLoss();
        Assert.False(await changes.NextAsync("a gives up leadership while disconnected"));
        Assert.True(await changes.NextAsync("a leads again after reconnecting"));
        Assert.False(eb.IsLeader);
    }

    [Fact]
    public async Task DistributedLock_ManyContenders_MutualExclusion()
    {
        const int Contenders = 5;
        const int Rounds = 4;
        var inside = 0;
        var maxInside = 0;
        var entries = 0;
        var clients = new List<ZooKeeperClient>();
        for (var i = 0; i < Contenders; i++)
        {
            clients.Add(await _clients.ConnectAsync());
        }

        async Task Work(ZooKeeperClient c)
        {
            var mutex = new DistributedLock(c, _root + "/lock");
            for (var r = 0; r < Rounds; r++)
            {
                await mutex.AcquireAsync().Within("lock acquisition", TimeSpan.FromSeconds(30));
                var now = Interlocked.Increment(ref inside);
                InterlockedMax(ref maxInside, now);
                Interlocked.Increment(ref entries);
                await Task.Yield();
                Interlocked.Decrement(ref inside);
                await mutex.ReleaseAsync().Within("lock release");
            }
        }

        await Task.WhenAll(clients.Select(Work)).Within("all contenders to finish", TimeSpan.FromSeconds(30));
        Assert.Equal(1, maxInside);
        Assert.Equal(Contenders * Rounds, entries);
        Assert.Empty((await clients[0].GetChildrenAsync(_root + "/lock").Within("lock children")).Children);
    }

    [Fact]
    public async Task DistributedLock_HeldElsewhere_TryAcquireTimesOutAndLeavesNoNode()
    {
        var a = await _clients.ConnectAsync();
        var b = await _clients.ConnectAsync();
        var la = new DistributedLock(a, _root + "/lock2");
        var lb = new DistributedLock(b, _root + "/lock2");
        await la.AcquireAsync().Within("a acquires");
        Assert.False(await lb.TryAcquireAsync(TimeSpan.FromMilliseconds(300)).Within("b times out"));
        Assert.Single((await a.GetChildrenAsync(_root + "/lock2").Within("children")).Children);

        var waiting = lb.TryAcquireAsync(TimeSpan.FromSeconds(10));
        await la.ReleaseAsync().Within("a releases");
        Assert.True(await waiting.Within("b acquires after release"));
        Assert.True(lb.IsHeld);
        await lb.ReleaseAsync().Within("b releases");
    }

    [Fact]
    public async Task DistributedLock_HolderSessionCloses_WaiterAcquires()
    {
        var a = await _clients.ConnectAsync();
        var b = await _clients.ConnectAsync();
        await new DistributedLock(a, _root + "/lock3").AcquireAsync().Within("a acquires");
        var lb = new DistributedLock(b, _root + "/lock3");
        var waiting = lb.AcquireAsync();
        await a.CloseAsync().Within("a closes");
        await waiting.Within("b acquires after a's session ended");
        await lb.ReleaseAsync().Within("b releases");
    }

    [Fact]
    public async Task DistributedLock_WaiterConnectionDrops_StillAcquiresAfterRelease()
    {
        var a = await _clients.ConnectAsync();
        var states = new Events<ConnectionState>();
        var b = await _clients.ConnectAsync(onState: states.Handler);
        var la = new DistributedLock(a, _root + "/lock4");
        await la.AcquireAsync().Within("a acquires");
        var lb = new DistributedLock(b, _root + "/lock4");
        var waiting = lb.AcquireAsync();
        await Deadline.Until(async () => (await a.GetChildrenAsync(_root + "/lock4")).Children.Count == 2, "b to queue");

        b.SimulateConnectionLoss();
        await states.WaitForAsync(s => s == ConnectionState.Reconnected, "b reconnects");
        await la.ReleaseAsync().Within("a releases");
        await waiting.Within("b acquires after its reconnect");
        Assert.Single((await a.GetChildrenAsync(_root + "/lock4").Within("children")).Children);
        await lb.ReleaseAsync().Within("b releases");
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
