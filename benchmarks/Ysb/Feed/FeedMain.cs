using System.Globalization;
using System.Text.Json;
using StackExchange.Redis;
using StormSharp.Benchmarks.Ysb.Topology;
using StormSharp.Connectors.Kafka;

namespace StormSharp.Benchmarks.Ysb.Feed;

/// <summary>
/// The generator's process (<c>feed rate=N seconds=S redis=host:port partitions=P out=FILE [bootstrap=host:port]</c>):
/// hosts the embedded broker unless given one, creates the topic, generates the ads, prints <c>ready BOOTSTRAP</c>,
/// runs each <c>warm RATE SECONDS</c> on its input (events an hour back, answered with <c>warmed VIEWS</c>),
/// waits for <c>go</c>, emits, writes its <see cref="FeedResult"/> as JSON to FILE, prints
/// <c>done</c>, and keeps the broker up until its input says <c>stop</c> or closes.
/// </summary>
internal static class FeedMain
{
    /// <summary>How far back a warm-up's events are stamped.</summary>
    public static readonly TimeSpan WarmupShift = TimeSpan.FromHours(-1);

    public static async Task<int> RunAsync(string[] args)
    {
        var map = args.Select(a => a.Split('=', 2)).Where(kv => kv.Length == 2).ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);
        string Need(string key) => map.TryGetValue(key, out var v) ? v : throw new ArgumentException($"feed needs {key}=...");
        var rate = long.Parse(Need("rate"), CultureInfo.InvariantCulture);
        var seconds = double.Parse(Need("seconds"), CultureInfo.InvariantCulture);
        var partitions = int.Parse(Need("partitions"), CultureInfo.InvariantCulture);
        var output = Need("out");
        using var broker = map.ContainsKey("bootstrap") ? null : EmbeddedKafkaBroker.Start();
        var bootstrap = map.GetValueOrDefault("bootstrap") ?? broker!.BootstrapServers;
        // The topic exists before the topology starts, as YSB creates it, so that the spouts are assigned its partitions
        // before the clock starts. Left to the first produce, the spouts found it at their next partition refresh (every
        // 2 s), up to two seconds of events behind, which a fresh topology took seconds to catch up with.
        if (broker is null)
        {
            await AdEventsTopic.EnsureAsync(bootstrap, partitions, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        else
        {
            AdEventsTopic.EnsureOnEmbedded(bootstrap, TimeSpan.FromSeconds(30));
        }
        using var redis = await ConnectionMultiplexer.ConnectAsync(Need("redis")).ConfigureAwait(false);
        var ads = await YsbSetup.GenerateAdsAsync(redis.GetDatabase()).ConfigureAwait(false);
        var generator = new AdEventGenerator(bootstrap, ads);
        Console.WriteLine("ready " + bootstrap);
        string? command;
        while ((command = Console.ReadLine()) is not null && command.StartsWith("warm ", StringComparison.Ordinal))
        {
            // warm RATE SECONDS: events an hour back, so that their windows stay apart from the measured ones.
            var warm = command.Split(' ');
            var warmed = generator.Run(
                long.Parse(warm[1], CultureInfo.InvariantCulture), TimeSpan.FromSeconds(double.Parse(warm[2], CultureInfo.InvariantCulture)), eventTimeShift: WarmupShift);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"warmed {warmed.Views}"));
        }

        if (command != "go")
        {
            return 1;
        }

        var result = generator.Run(rate, TimeSpan.FromSeconds(seconds));
        await File.WriteAllTextAsync(output, JsonSerializer.Serialize(result)).ConfigureAwait(false);
        Console.WriteLine("done");
        while (Console.ReadLine() is { } line && line != "stop")
        {
        }

        return 0;
    }
}
