using StackExchange.Redis;
using StormSharp.Connectors.Redis;
using StormSharp.Connectors.Tests.Infrastructure;
using StormSharp.Connectors.Tests.Shared;
using StormSharp.Runtime;
using StormSharp.Topology;

namespace StormSharp.Connectors.Tests.Redis;

public sealed class RedisBoltTests : IDisposable
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(90);

    private readonly RedisServer _redis = new();
    private readonly ConnectionMultiplexer _client;

    public RedisBoltTests()
    {
        _client = Connection.Connect();
    }

    private IDatabase Db => _client.GetDatabase();

    private RedisConnectionConfig Connection => RedisConnectionConfig.Single("127.0.0.1", _redis.Port);

    public void Dispose()
    {
        _client.Dispose();
        _redis.Dispose();
    }

    [Theory]
    [InlineData(RedisDataType.String)]
    [InlineData(RedisDataType.Hash)]
    [InlineData(RedisDataType.List)]
    [InlineData(RedisDataType.Set)]
    [InlineData(RedisDataType.SortedSet)]
    [InlineData(RedisDataType.HyperLogLog)]
    public async Task Store_EachDataType_WritesWhatRedisReadsBack(RedisDataType type)
    {
        const int n = 1_000;
        IRedisStoreMapper mapper = type switch
        {
            RedisDataType.String => new FieldStoreMapper(new(type), "key", "message"),
            RedisDataType.Hash => new FieldStoreMapper(new(type, "the-hash"), "key", "message"),
            RedisDataType.SortedSet => new FieldStoreMapper(new(type, "the-zset"), "key", "n"),
            _ => new FieldStoreMapper(new(type), "topic", "message"),
        };

        var run = await RunAsync(n, new TupleSource("the-key"), new RedisStoreBolt(Connection, mapper).WithBatchSize(64));

        Assert.Equal(n, run.Acked.Count);
        Assert.Empty(run.Failed);
        switch (type)
        {
            case RedisDataType.String:
                for (var i = 0; i < n; i++)
                {
                    Assert.Equal("message-" + i, (string?)Db.StringGet("key-" + i));
                }

                break;
            case RedisDataType.Hash:
                Assert.Equal(n, Db.HashLength("the-hash"));
                Assert.Equal("message-7", (string?)Db.HashGet("the-hash", "key-7"));
                break;
            case RedisDataType.List:
                var items = Db.ListRange("the-key").Select(v => (string)v!).ToHashSet();
                Assert.Equal(n, Db.ListLength("the-key"));
                Assert.Equal(Enumerable.Range(0, n).Select(i => "message-" + i).ToHashSet(), items);
                break;
            case RedisDataType.Set:
                Assert.Equal(n, Db.SetLength("the-key"));
                Assert.True(Db.SetContains("the-key", "message-999"));
                break;
            case RedisDataType.SortedSet:
                Assert.Equal(n, Db.SortedSetLength("the-zset"));
                Assert.Equal(42, Db.SortedSetScore("the-zset", "key-42"));
                Assert.Equal("key-999", (string?)Db.SortedSetRangeByRank("the-zset", -1, -1).Single());
                break;
            case RedisDataType.HyperLogLog:
                var count = Db.HyperLogLogLength("the-key");
                Assert.InRange(count, n * 0.97, n * 1.03);
                break;
        }
    }

    [Fact]
    public async Task Store_SortedSetScoreThatIsNoNumber_FailsThatTupleNamingTheValue()
    {
        var mapper = new FieldStoreMapper(new(RedisDataType.SortedSet, "z"), "key", "message");
        var run = await RunAsync(10, new TupleSource(), new RedisStoreBolt(Connection, mapper), settle: true);

        Assert.Equal(10, run.Failed.Count);
        Assert.Equal(0, Db.SortedSetLength("z"));
    }

    [Theory]
    [InlineData(RedisDataType.String)]
    [InlineData(RedisDataType.Hash)]
    public async Task Lookup_KeysPresentAndAbsent_EmitsTheValueOrNull(RedisDataType type)
    {
        const int n = 100;
        for (var i = 0; i < n; i += 2)
        {
            if (type == RedisDataType.String)
            {
                Db.StringSet("key-" + i, "stored-" + i);
            }
            else
            {
                Db.HashSet("h", "key-" + i, "stored-" + i);
            }
        }

        var collect = Guid.NewGuid().ToString("N");
        var mapper = new FieldLookupMapper(type == RedisDataType.Hash ? new(type, "h") : new(type), "key");
        var run = await RunAsync(n, new TupleSource(), new RedisLookupBolt(Connection, mapper), collect);

        Assert.Equal(n, run.Acked.Count);
        var seen = CollectBolt.Runs[collect].ToDictionary(v => (string)v[0]!, v => (string?)v[1]);
        Assert.Equal(n, seen.Count);
        for (var i = 0; i < n; i++)
        {
            Assert.Equal(i % 2 == 0 ? "stored-" + i : null, seen["key-" + i]);
        }
    }

    [Fact]
    public async Task Filter_SetMembership_PassesOnOnlyTuplesWhoseKeyIsAMember()
    {
        const int n = 100;
        for (var i = 0; i < n; i += 3)
        {
            Db.SetAdd("members", "key-" + i);
        }

        var collect = Guid.NewGuid().ToString("N");
        var mapper = new FieldFilterMapper(new(RedisDataType.Set, "members"), "key", new TupleSource().Fields);
        var run = await RunAsync(n, new TupleSource(), new RedisFilterBolt(Connection, mapper), collect);

        Assert.Equal(n, run.Acked.Count);
        var passed = CollectBolt.Runs.TryGetValue(collect, out var q) ? q.Select(v => (int)v[3]!).Order().ToList() : [];
        Assert.Equal(Enumerable.Range(0, n).Where(i => i % 3 == 0).ToList(), passed);
    }

    [Fact]
    public void Filter_OnAList_IsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => new RedisFilterBolt(Connection, new FieldFilterMapper(new(RedisDataType.List), "key", new Fields("key"))));
        Assert.Contains("list", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Store_RedisKilledAndRestartedMidRun_TuplesFailAndReplayAndNothingIsLost()
    {
        const int n = 20_000;
        var runId = Guid.NewGuid().ToString("N");
        var run = CountingSpout.Runs[runId] = new SpoutRun(n);
        var builder = new TopologyBuilder();
        builder.SetSpout("source", new CountingSpout(runId, n, new TupleSource("the-set"), replay: true));
        var mapper = new FieldStoreMapper(new(RedisDataType.Set), "topic", "message");
        builder.SetBolt("redis", new RedisStoreBolt(Connection, mapper).WithBatchSize(50), 2).ShuffleGrouping("source");
        var name = "redis-restart-" + runId[..8];
        using var cluster = new LocalCluster();
        cluster.SubmitTopology(name, Conf(), builder.CreateTopology());
        try
        {
            await Wait.UntilAsync(() => run.Acked.Count >= n / 4, RunTimeout, "a quarter of the tuples acked before the kill");
            _redis.Kill();
            await Wait.UntilAsync(() => !run.Failed.IsEmpty, RunTimeout, "tuples to fail while Redis is down");
            _redis.Start();
            await Wait.ForAsync(run.AllAcked.ContinueWith(_ => true), RunTimeout, "every tuple acked after the restart",
                () => $"{run.Acked.Count} acked, {run.Failed.Count} failed");
        }
        finally
        {
            cluster.KillTopology(name, TimeSpan.FromSeconds(10));
        }

        Assert.NotEmpty(run.Failed);
        Assert.Equal(n, Db.SetLength("the-set"));
        var members = Db.SetMembers("the-set").Select(v => (string)v!).ToHashSet();
        Assert.All(Enumerable.Range(0, n), i => Assert.Contains("message-" + i, members));
    }

    private static Dictionary<string, object?> Conf() => new(StringComparer.Ordinal)
    {
        [Config.TopologyMaxSpoutPending] = 500,
        [Config.TopologyMessageTimeoutSecs] = 30,
    };

    internal static async Task<SpoutRun> RunAsync(int n, TupleSource source, IRichBolt bolt, string? collect = null, bool settle = false)
    {
        var runId = Guid.NewGuid().ToString("N");
        var run = CountingSpout.Runs[runId] = new SpoutRun(n);
        var builder = new TopologyBuilder();
        builder.SetSpout("source", new CountingSpout(runId, n, source));
        builder.SetBolt("redis", bolt, 2).ShuffleGrouping("source");
        if (collect is not null)
        {
            builder.SetBolt("collect", new CollectBolt(collect)).ShuffleGrouping("redis");
        }

        var name = "redis-" + runId[..8];
        using var cluster = new LocalCluster();
        cluster.SubmitTopology(name, Conf(), builder.CreateTopology());
        try
        {
            await Wait.ForAsync((settle ? run.Settled : run.AllAcked).ContinueWith(_ => true), RunTimeout, $"{n} tuples settled",
                () => $"{run.Acked.Count} acked, {run.Failed.Count} failed");
        }
        finally
        {
            cluster.KillTopology(name, TimeSpan.FromSeconds(10));
        }

        return run;
    }
}
