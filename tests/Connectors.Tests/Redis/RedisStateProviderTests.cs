using System.Collections.Concurrent;
using System.Text.Json;
using StackExchange.Redis;
using StormSharp.Connectors.Redis;
using StormSharp.Connectors.Tests.Infrastructure;
using StormSharp.Runtime;
using StormSharp.Tests.Shared;
using StormSharp.Topology;
using StormSharp.Topology.State;

namespace StormSharp.Connectors.Tests.Redis;

/// <summary>The state store contract against a real redis-server.</summary>
public sealed class RedisStateProviderContractTests : StateStoreContract, IDisposable
{
    private readonly RedisServer _redis = new();

    public RedisStateProviderContractTests()
    {
        Conf = new Dictionary<string, object?> { [Config.TopologyStateProviderConfig] = $"{{\"host\": \"127.0.0.1\", \"port\": {_redis.Port}}}" };
    }

    protected override IStateProvider Provider { get; } = new RedisKeyValueStateProvider();

    protected override IReadOnlyDictionary<string, object?> Conf { get; }

    public void Dispose() => _redis.Dispose();
}

public sealed class RedisStatefulTopologyTests : IDisposable
{
    private static readonly ConcurrentDictionary<string, ConcurrentDictionary<long, bool>> Acked = new();
    private readonly RedisServer _redis = new();
    private readonly string _key = Guid.NewGuid().ToString("N");

    public void Dispose()
    {
        Acked.TryRemove(_key, out _);
        _redis.Dispose();
    }

    [Fact]
    public void StatefulWordCount_OnTheRedisProvider_CommitsExactCountsThatRedisHolds()
    {
        const int n = 500;
        var builder = new TopologyBuilder();
        builder.SetSpout("words", new WordSpout(_key, n));
        builder.SetBolt("count", new CountBolt(), 2).FieldsGrouping("words", new Fields("word"));
        var conf = new Config().SetCheckpointIntervalMs(100).SetStateProvider(typeof(RedisKeyValueStateProvider).AssemblyQualifiedName!);
        conf[Config.TopologyStateProviderConfig] = $"{{\"jedisPoolConfig\": {{\"host\": \"127.0.0.1\", \"port\": {_redis.Port}}}}}";

        using var cluster = new LocalCluster();
        cluster.SubmitTopology("redis-state", conf, builder.CreateTopology());
        using var client = ConnectionMultiplexer.Connect($"127.0.0.1:{_redis.Port}");
        var expected = Enumerable.Range(0, n).GroupBy(i => "w" + (i % 10)).ToDictionary(g => g.Key, g => (long)g.Count());

        Dictionary<string, long> Committed()
        {
            var counts = new Dictionary<string, long>();
            var server = client.GetServer(client.GetEndPoints()[0]);
            foreach (var k in server.Keys(pattern: "{stormsharp:state:redis-state:count-*}"))
            {
                foreach (var e in client.GetDatabase().HashGetAll(k))
                {
                    counts[JsonSerializer.Deserialize<string>(e.Name.ToString())!] = JsonSerializer.Deserialize<long>(e.Value.ToString());
                }
            }

            return counts;
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (!(Acked.GetOrAdd(_key, _ => new()).Count == n && Committed().Count == expected.Count && Committed().All(kv => expected[kv.Key] == kv.Value)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"waiting for {n} acks and the counts in Redis; have {Acked[_key].Count} acks and {string.Join(" ", Committed().Select(kv => $"{kv.Key}={kv.Value}"))}");
            Thread.Sleep(20);
        }

        cluster.KillTopology("redis-state");
    }

    private sealed class WordSpout(string key, int count) : BaseRichSpout
    {
        [NonSerialized]
        private ISpoutOutputCollector? _collector;
        private int _next;

        public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector) => _collector = collector;

        public override void NextTuple()
        {
            if (_next < count)
            {
                _collector!.Emit(["w" + (_next % 10)], (long)_next);
                _next++;
            }
        }

        public override void Ack(object msgId) => Acked.GetOrAdd(key, _ => new())[(long)msgId] = true;

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("word"));
    }

    private sealed class CountBolt : BaseStatefulBolt<KeyValueState<string, long>>
    {
        [NonSerialized]
        private IOutputCollector? _collector;
        [NonSerialized]
        private KeyValueState<string, long>? _state;

        public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector) => _collector = collector;

        public override void InitState(KeyValueState<string, long> state) => _state = state;

        public override void Execute(ITuple input)
        {
            var w = input.GetString(0)!;
            _state!.Put(w, _state.Get(w, 0) + 1);
            _collector!.Ack(input);
        }

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
        {
        }
    }
}
