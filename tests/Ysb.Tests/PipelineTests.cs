using StackExchange.Redis;
using StormSharp.Benchmarks.Ysb.Feed;
using StormSharp.Benchmarks.Ysb.Results;
using StormSharp.Benchmarks.Ysb.Topology;
using StormSharp.Connectors.Kafka;
using StormSharp.Runtime;

namespace StormSharp.Benchmarks.Ysb.Tests;

[Collection(RedisCollection.Name)]
public sealed class PipelineTests(RedisFixture redis)
{
    private static readonly TimeSpan CountsTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task AdvertisingTopology_LocalModeAt2000EventsPerSecondFor20s_EveryWindowExactInYsbsLayout()
    {
        await YsbSetup.NewSetupAsync(redis.Admin, redis.Db);
        using var broker = EmbeddedKafkaBroker.Start();
        var ads = await YsbSetup.GenerateAdsAsync(redis.Db);
        var settings = new YsbSettings { Bootstrap = broker.BootstrapServers, Redis = redis.Server.Address, FlushMillis = 200, Name = "ysb-test" };
        FeedResult feed;
        using (var cluster = new LocalCluster())
        {
            cluster.SubmitTopology(settings.Name, AdvertisingTopology.ConfigOf(settings), AdvertisingTopology.Build(settings));
            try
            {
                using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                feed = await Task.Run(() => new AdEventGenerator(broker.BootstrapServers, ads).Run(2_000, TimeSpan.FromSeconds(20), cancel.Token));
                Assert.False(cancel.IsCancellationRequested, "the generator did not finish its 20 s within 60 s");
                await AwaitSeenAsync(feed.Views);
            }
            finally
            {
                cluster.KillTopology(settings.Name, TimeSpan.FromSeconds(10));
            }
        }

        Assert.Equal(40_000, feed.Events);
        Assert.Equal(0, feed.Undelivered);
        var windows = await YsbStats.ReadAsync(redis.Db, feed);

        // 20 s of events cross at least one window boundary: every campaign has two windows or more.
        Assert.True(windows.Count >= 2 * YsbLayout.Campaigns, $"only {windows.Count} campaign windows");
        Assert.All(windows, w => Assert.True(w.Exact, $"campaign {w.Campaign} window {w.Window}: Redis counted {w.Seen}, the generator {w.Expected}"));
        Assert.Equal(feed.Views, windows.Sum(w => w.Seen));
        Assert.All(windows, w => Assert.NotNull(w.TimeUpdated));

        // A window's last write comes after its events (a campaign's last view may come before the window's end, so
        // a latency can be a little below zero, as in YSB); windows that closed during the run have one.
        Assert.All(windows, w => Assert.True(w.TimeUpdated >= w.Window, $"window {w.Window} of {w.Campaign} written at {w.TimeUpdated}, before it began"));
        var closed = windows.Where(w => w.Window + YsbLayout.WindowMillis <= feed.EndMillis).ToList();
        Assert.True(closed.Count >= YsbLayout.Campaigns, $"only {closed.Count} windows closed during the run");
        Assert.All(closed, w => Assert.NotNull(w.LatencyMillis));

        await AssertLayoutAsync(redis.Db);
    }

    /// <summary>YSB's layout: campaigns set; campaign hash -> windows list and window keys; window hash -> seen_count, time_updated.</summary>
    private static async Task AssertLayoutAsync(IDatabase db)
    {
        var campaigns = await db.SetMembersAsync(YsbLayout.CampaignsKey);
        Assert.Equal(YsbLayout.Campaigns, campaigns.Length);
        foreach (var campaign in campaigns)
        {
            var hash = (await db.HashGetAllAsync(campaign.ToString())).ToDictionary(e => e.Name.ToString(), e => e.Value.ToString());
            Assert.True(hash.TryGetValue(YsbLayout.WindowsField, out var list), $"campaign {campaign} has no windows list");
            var listed = (await db.ListRangeAsync(list)).Select(v => v.ToString()).Order().ToList();
            var keyed = hash.Keys.Where(k => k != YsbLayout.WindowsField).Order().ToList();
            Assert.Equal(keyed, listed);
            foreach (var window in keyed)
            {
                Assert.Equal(0, long.Parse(window, System.Globalization.CultureInfo.InvariantCulture) % YsbLayout.WindowMillis);
                var fields = await db.HashGetAllAsync(hash[window]);
                Assert.Equal([YsbLayout.SeenCountField, YsbLayout.TimeUpdatedField], fields.Select(f => f.Name.ToString()).Order().ToArray());
            }
        }

        Assert.True(await db.ListLengthAsync(YsbLayout.TimeUpdatedList) > 0, "no write pushed its time onto time_updated");
    }

    private async Task AwaitSeenAsync(long views)
    {
        using var cts = new CancellationTokenSource(CountsTimeout);
        long seen = 0;
        while (!cts.IsCancellationRequested)
        {
            seen = await YsbStats.SeenTotalAsync(redis.Db);
            if (seen >= views)
            {
                return;
            }

            await Task.Delay(100, CancellationToken.None);
        }

        Assert.Fail($"waited {CountsTimeout.TotalSeconds:0} s for Redis to count {views} views; it has {seen}");
    }
}
