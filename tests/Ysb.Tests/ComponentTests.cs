using StormSharp.Benchmarks.Ysb.Feed;
using StormSharp.Benchmarks.Ysb.Results;
using StormSharp.Benchmarks.Ysb.Topology;

namespace StormSharp.Benchmarks.Ysb.Tests;

[Collection(RedisCollection.Name)]
public sealed class ComponentTests(RedisFixture redis)
{
    [Fact]
    public void Deserialize_YsbEvent_ReadsTheSevenFieldsInOrder()
    {
        const string json = """{"user_id": "u", "page_id": "p", "ad_id": "a", "ad_type": "banner", "event_type": "view", "event_time": "1700000000123", "ip_address": "1.2.3.4"}""";

        Assert.True(DeserializeBolt.TryParse(json, out var values));
        Assert.Equal(["u", "p", "a", "banner", "view", "1700000000123", "1.2.3.4"], values.Select(v => (string)v!).ToArray());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not json")]
    [InlineData("[1, 2]")]
    [InlineData("""{"user_id": "u", "page_id": "p", "ad_id": "a", "ad_type": "banner", "event_type": "view", "ip_address": "1.2.3.4"}""")]
    [InlineData("""{"user_id": "u", "page_id": "p", "ad_id": 7, "ad_type": "banner", "event_type": "view", "event_time": "1", "ip_address": "1.2.3.4"}""")]
    public void Deserialize_NoEvent_IsRefused(string? json) => Assert.False(DeserializeBolt.TryParse(json, out _));

    [Fact]
    public void Settings_BadValues_NameTheKey()
    {
        Assert.Contains("bootstrap", Assert.Throws<ArgumentException>(() => YsbSettings.Parse(["redis=127.0.0.1:1"])).Message, StringComparison.Ordinal);
        Assert.Contains("flush.ms", Assert.Throws<ArgumentException>(() => YsbSettings.Parse(["bootstrap=h:1", "redis=h:2", "flush.ms=0"])).Message, StringComparison.Ordinal);
        Assert.Contains("colour", Assert.Throws<ArgumentException>(() => YsbSettings.Parse(["bootstrap=h:1", "redis=h:2", "colour=red"])).Message, StringComparison.Ordinal);
        var s = YsbSettings.Parse(["bootstrap=h:1", "redis=h:2", "flush.ms=100", "ackers=0"]);
        Assert.Equal(s, YsbSettings.Parse(s.ToArgs()));
    }

    [Fact]
    public void Percentile_NearestRank()
    {
        long[] sorted = [.. Enumerable.Range(1, 100).Select(i => (long)i)];
        Assert.Equal(50, YsbStats.Percentile(sorted, 50));
        Assert.Equal(99, YsbStats.Percentile(sorted, 99));
        Assert.Equal(100, YsbStats.Percentile(sorted, 100));
        Assert.True(double.IsNaN(YsbStats.Percentile([], 50)));
    }

    [Fact]
    public async Task Windows_TwoFlushesOfOneWindow_AddToOneKeyListedOnce_AndTheStatsSeeAMissingWindowAsInexact()
    {
        await YsbSetup.NewSetupAsync(redis.Admin, redis.Db);
        var campaign = (await redis.Db.SetMembersAsync(YsbLayout.CampaignsKey))[0].ToString();
        var windows = new CampaignWindows();
        const long t = 1_700_000_003_000;
        windows.Add(campaign, t);
        windows.Add(campaign, t + 1);
        windows.Add(campaign, t + YsbLayout.WindowMillis);
        Assert.Equal(2, await windows.FlushAsync(redis.Db));
        windows.Add(campaign, t + 2);
        Assert.Equal(1, await windows.FlushAsync(redis.Db));
        Assert.Equal(0, await windows.FlushAsync(redis.Db));

        var start = YsbLayout.WindowOf(t);
        var feed = new FeedResult
        {
            OfferedPerSecond = 1,
            Events = 9,
            Views = 5,
            Undelivered = 0,
            StartMillis = t,
            EndMillis = t + 20_000,
            DeliveredMillis = t + 20_000,
            MaxBehindMillis = 0,
            Counts =
            [
                new WindowCount(campaign, start, 3),
                new WindowCount(campaign, start + YsbLayout.WindowMillis, 1),
                new WindowCount(campaign, start + (2 * YsbLayout.WindowMillis), 1),
            ],
        };
        var results = (await YsbStats.ReadAsync(redis.Db, feed)).OrderBy(w => w.Window).ToList();

        Assert.Equal(3, results.Count);
        Assert.Equal(3, results[0].Seen);
        Assert.True(results[0].Exact);
        Assert.True(results[1].Exact);
        Assert.Null(results[2].Seen);
        Assert.False(results[2].Exact);
        var list = await redis.Db.HashGetAsync(campaign, YsbLayout.WindowsField);
        Assert.Equal(2, await redis.Db.ListLengthAsync(list.ToString()));
        Assert.Equal(3, await redis.Db.ListLengthAsync(YsbLayout.TimeUpdatedList));
    }
}
