using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using StormSharp.Benchmarks.Ysb.Topology;

namespace StormSharp.Benchmarks.Ysb.Feed;

/// <summary>
/// YSB's load generator (<c>run</c> in its data/src/setup/core.clj): events of 100 users, 100 pages and the 1,000 ads,
/// an ad type of five and an event type of three (view, click, purchase) drawn at random, at a fixed offered rate,
/// each stamped with the time it is scheduled to be emitted (its emit time while the generator keeps up), as JSON
/// into <c>ad-events</c>. It counts its own views per campaign window, which the result computation compares with
/// Redis.
/// </summary>
public sealed class AdEventGenerator
{
    private static readonly string[] AdTypes = ["banner", "modal", "sponsored-search", "mail", "mobile"];
    private static readonly string[] EventTypes = ["view", "click", "purchase"];

    private readonly string _bootstrap;
    private readonly string[] _ads;
    private readonly string[] _campaignOfAd;
    private readonly string[] _users = [.. Enumerable.Range(0, 100).Select(_ => Guid.NewGuid().ToString())];
    private readonly string[] _pages = [.. Enumerable.Range(0, 100).Select(_ => Guid.NewGuid().ToString())];

    /// <summary>A generator writing to <paramref name="bootstrap"/> for the ads of <paramref name="adToCampaign"/>.</summary>
    public AdEventGenerator(string bootstrap, IReadOnlyDictionary<string, string> adToCampaign)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bootstrap);
        ArgumentNullException.ThrowIfNull(adToCampaign);
        _bootstrap = bootstrap;
        _ads = [.. adToCampaign.Keys];
        _campaignOfAd = [.. _ads.Select(a => adToCampaign[a])];
    }

    /// <summary>
    /// Emits <paramref name="perSecond"/> events a second for <paramref name="duration"/>, then waits for their delivery.
    /// <paramref name="eventTimeShift"/> moves every <c>event_time</c> (a warm-up's events go an hour back, into
    /// windows of their own).
    /// </summary>
    public FeedResult Run(long perSecond, TimeSpan duration, CancellationToken cancel = default, TimeSpan eventTimeShift = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perSecond, 1);
        var failed = 0L;
        var config = new ProducerConfig
        {
            BootstrapServers = _bootstrap,
            Acks = Acks.Leader,
            // Large, well-compressed batches: the embedded broker keeps about 5 MB of each partition, counted compressed,
            // and YSB's events (100 users, 100 pages, 1,000 ads) compress well, so zstd buys the consumer seconds of room.
            LingerMs = 10,
            BatchNumMessages = 20_000,
            BatchSize = 4_000_000,
            QueueBufferingMaxMessages = 2_000_000,
            QueueBufferingMaxKbytes = 1_048_576,
            CompressionType = CompressionType.Zstd,
        };
        config.DeliveryReportFields = "status";
        using var producer = new ProducerBuilder<Null, byte[]>(config).SetLogHandler((_, _) => { }).Build();
        Action<DeliveryReport<Null, byte[]>> onError = r =>
        {
            if (r.Error.IsError)
            {
                Interlocked.Increment(ref failed);
            }
        };

        var random = new Random();
        var counts = new Dictionary<(int Ad, long Window), long>();
        var cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + (long)eventTimeShift.TotalMilliseconds;
        var total = (long)(perSecond * duration.TotalSeconds);
        var clock = Stopwatch.StartNew();
        long emitted = 0, views = 0, maxBehind = 0;
        var json = new StringBuilder(320);
        while (emitted < total && !cancel.IsCancellationRequested)
        {
            var nowMs = clock.ElapsedMilliseconds;
            var due = Math.Min(total, (nowMs * perSecond / 1000) + 1);
            if (due <= emitted)
            {
                Thread.Sleep(1);
                continue;
            }

            for (; emitted < due; emitted++)
            {
                var scheduled = emitted * 1000 / perSecond;
                maxBehind = Math.Max(maxBehind, nowMs - scheduled);
                var eventTime = start + scheduled;
                var ad = random.Next(_ads.Length);
                var type = random.Next(EventTypes.Length);
                if (type == 0)
                {
                    var key = (ad, YsbLayout.WindowOf(eventTime));
                    counts[key] = counts.GetValueOrDefault(key) + 1;
                    views++;
                }

                json.Clear()
                    .Append("{\"user_id\": \"").Append(_users[random.Next(_users.Length)])
                    .Append("\", \"page_id\": \"").Append(_pages[random.Next(_pages.Length)])
                    .Append("\", \"ad_id\": \"").Append(_ads[ad])
                    .Append("\", \"ad_type\": \"").Append(AdTypes[random.Next(AdTypes.Length)])
                    .Append("\", \"event_type\": \"").Append(EventTypes[type])
                    .Append("\", \"event_time\": \"").Append(eventTime.ToString(CultureInfo.InvariantCulture))
                    .Append("\", \"ip_address\": \"1.2.3.4\"}");
                var message = new Message<Null, byte[]> { Value = Encoding.UTF8.GetBytes(json.ToString()) };
                while (true)
                {
                    try
                    {
                        producer.Produce(YsbLayout.Topic, message, onError);
                        break;
                    }
                    catch (ProduceException<Null, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                    {
                        producer.Poll(TimeSpan.FromMilliseconds(1));
                    }
                }
            }
        }

        var end = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var queued = producer.Flush(TimeSpan.FromSeconds(60));
        var delivered = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var byCampaignWindow = new Dictionary<(string Campaign, long Window), long>();
        foreach (var ((ad, window), n) in counts)
        {
            var key = (_campaignOfAd[ad], window);
            byCampaignWindow[key] = byCampaignWindow.GetValueOrDefault(key) + n;
        }

        var trimmed = 0L;
        using (var probe = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = _bootstrap, GroupId = "ysb-watermarks" }).SetLogHandler((_, _) => { }).Build())
        {
            using var admin = new DependentAdminClientBuilder(producer.Handle).Build();
            var metadata = admin.GetMetadata(YsbLayout.Topic, TimeSpan.FromSeconds(10));
            foreach (var p in metadata.Topics.SelectMany(t => t.Partitions))
            {
                trimmed += probe.QueryWatermarkOffsets(new TopicPartition(YsbLayout.Topic, p.PartitionId), TimeSpan.FromSeconds(10)).Low.Value;
            }
        }

        return new FeedResult
        {
            Trimmed = trimmed,
            OfferedPerSecond = perSecond,
            Events = emitted,
            Views = views,
            Undelivered = Interlocked.Read(ref failed) + queued,
            StartMillis = start,
            EndMillis = end,
            DeliveredMillis = delivered,
            MaxBehindMillis = maxBehind,
            CpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuAtStart).TotalSeconds,
            Counts = [.. byCampaignWindow.Select(kv => new WindowCount(kv.Key.Campaign, kv.Key.Window, kv.Value))],
        };
    }
}
