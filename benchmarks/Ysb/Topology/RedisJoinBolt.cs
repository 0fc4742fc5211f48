using StackExchange.Redis;
using StormSharp.Connectors.Redis;
using StormSharp.Topology;

namespace StormSharp.Benchmarks.Ysb.Topology;

/// <summary>
/// YSB's <c>redis_join</c>: looks the ad's campaign up in Redis (the ad id is a key whose value is the campaign id)
/// through a cache that keeps every answer (YSB's RedisAdCampaignCache), and emits campaign_id, ad_id, event_time.
/// An ad Redis does not know fails its tuple, as in YSB, so the spout replays it; a Redis error fails it too.
/// </summary>
public sealed class RedisJoinBolt : BaseRichBolt
{
    private readonly RedisConnectionConfig _redis;

    [NonSerialized]
    private IOutputCollector? _collector;
    [NonSerialized]
    private ConnectionMultiplexer? _connection;
    [NonSerialized]
    private IDatabase? _db;
    [NonSerialized]
    private Dictionary<string, string>? _adToCampaign;

    /// <summary>A join against the Redis server <paramref name="redis"/>.</summary>
    public RedisJoinBolt(RedisConnectionConfig redis) => _redis = redis ?? throw new ArgumentNullException(nameof(redis));

    /// <inheritdoc/>
    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector)
    {
        _collector = collector;
        _connection = _redis.Connect();
        _db = _connection.GetDatabase();
        _adToCampaign = new Dictionary<string, string>(YsbLayout.Campaigns * YsbLayout.AdsPerCampaign, StringComparer.Ordinal);
    }

    /// <inheritdoc/>
    public override void Execute(ITuple input)
    {
        var adId = input.GetStringByField("ad_id") ?? string.Empty;
        if (!_adToCampaign!.TryGetValue(adId, out var campaignId))
        {
            string? found;
            try
            {
                found = _db!.StringGet(adId);
            }
            catch (RedisException e)
            {
                _collector!.ReportError(e);
                _collector.Fail(input);
                return;
            }

            if (found is null)
            {
                _collector!.Fail(input);
                return;
            }

            campaignId = found;
            _adToCampaign[adId] = campaignId;
        }

        _collector!.Emit(input, new Values(campaignId, adId, input.GetStringByField("event_time")));
        _collector.Ack(input);
    }

    /// <inheritdoc/>
    public override void Cleanup() => _connection?.Dispose();

    /// <inheritdoc/>
    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("campaign_id", "ad_id", "event_time"));
}
