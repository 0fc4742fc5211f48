using StackExchange.Redis;
using StormSharp.Connectors.Redis;
using StormSharp.Connectors.Tests.Infrastructure;
using StormSharp.Connectors.Tests.Shared;

namespace StormSharp.Connectors.Tests.Redis;

/// <summary>The Redis bolts against a real Redis Cluster: keys land on the node that owns their slot.</summary>
public sealed class RedisClusterBoltTests : IDisposable
{
    private readonly RedisClusterServers _cluster = new();

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task StoreAndLookup_OnACluster_EveryKeyOnItsSlotsNodeAndReadBack()
    {
        const int n = 2_000;
        var connection = RedisConnectionConfig.Cluster(_cluster.Addresses);

        var stored = await RedisBoltTests.RunAsync(n, new TupleSource(), new RedisStoreBolt(connection, new FieldStoreMapper(new(RedisDataType.String), "key", "message")).WithBatchSize(64));

        Assert.Equal(n, stored.Acked.Count);
        Assert.Empty(stored.Failed);
        using (var client = await ConnectionMultiplexer.ConnectAsync(string.Join(",", _cluster.Addresses)))
        {
            var db = client.GetDatabase();
            for (var i = 0; i < n; i++)
            {
                Assert.Equal("message-" + i, (string?)await db.StringGetAsync("key-" + i));
            }

            // Spread over every master, each holding only keys of the slots it owns.
            var sizes = _cluster.Addresses.Select(a => client.GetServer(a).DatabaseSize()).ToList();
            Assert.All(sizes, size => Assert.True(size > 0, $"key counts per node: {string.Join(", ", sizes)}"));
            Assert.Equal(n, sizes.Sum());
        }

        var collect = Guid.NewGuid().ToString("N");
        var looked = await RedisBoltTests.RunAsync(n, new TupleSource(), new RedisLookupBolt(connection, new FieldLookupMapper(new(RedisDataType.String), "key")), collect);

        Assert.Equal(n, looked.Acked.Count);
        var seen = CollectBolt.Runs[collect].ToDictionary(v => (string)v[0]!, v => (string?)v[1]);
        Assert.Equal(n, seen.Count);
        Assert.All(seen, kv => Assert.Equal("message-" + kv.Key["key-".Length..], kv.Value));
    }
}
