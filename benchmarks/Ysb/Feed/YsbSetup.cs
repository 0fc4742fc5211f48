using StackExchange.Redis;
using StormSharp.Benchmarks.Ysb.Topology;

namespace StormSharp.Benchmarks.Ysb.Feed;

/// <summary>YSB's Redis set-up: <c>do-new-setup</c> (a clean database and 100 campaigns) and <c>gen-ads</c> (10 ads a campaign).</summary>
public static class YsbSetup
{
    /// <summary>Empties the database and adds 100 random campaign ids to the <c>campaigns</c> set (YSB's <c>-n</c>).</summary>
    public static async Task NewSetupAsync(IServer server, IDatabase db)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(db);
        await server.FlushAllDatabasesAsync().ConfigureAwait(false);
        var campaigns = new RedisValue[YsbLayout.Campaigns];
        for (var i = 0; i < campaigns.Length; i++)
        {
            campaigns[i] = Guid.NewGuid().ToString();
        }

        await db.SetAddAsync(YsbLayout.CampaignsKey, campaigns).ConfigureAwait(false);
    }

    /// <summary>
    /// Makes 10 random ad ids for each campaign of the <c>campaigns</c> set and stores each ad's campaign under the
    /// ad id (YSB's generator does this when it starts); returns ad -> campaign. Throws when the set is not there.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, string>> GenerateAdsAsync(IDatabase db)
    {
        ArgumentNullException.ThrowIfNull(db);
        var campaigns = await db.SetMembersAsync(YsbLayout.CampaignsKey).ConfigureAwait(false);
        if (campaigns.Length < YsbLayout.Campaigns)
        {
            throw new InvalidOperationException($"Redis holds {campaigns.Length} campaigns, {YsbLayout.Campaigns} expected: run the new set-up first");
        }

        var ads = new Dictionary<string, string>(StringComparer.Ordinal);
        var writes = new List<KeyValuePair<RedisKey, RedisValue>>();
        foreach (var campaign in campaigns.Take(YsbLayout.Campaigns))
        {
            for (var i = 0; i < YsbLayout.AdsPerCampaign; i++)
            {
                var ad = Guid.NewGuid().ToString();
                ads[ad] = campaign.ToString();
                writes.Add(new(ad, campaign));
            }
        }

        await db.StringSetAsync([.. writes]).ConfigureAwait(false);
        return ads;
    }
}
