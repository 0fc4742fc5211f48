using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;
using StormSharp.Benchmarks.Ysb.Feed;
using StormSharp.Benchmarks.Ysb.Infrastructure;
using StormSharp.Benchmarks.Ysb.Results;
using StormSharp.Benchmarks.Ysb.Topology;
using StormSharp.Runtime;
using StormSharp.Runtime.Stats;

namespace StormSharp.Benchmarks.Ysb;

/// <summary>
/// Runs YSB's test the way its stream-bench.sh does, once per load: a new Redis set-up, the topology, the generator
/// for a fixed time at a fixed rate, then the result computation once the counts are in. Redis is one redis-server
/// for the whole suite; the embedded broker lives in the generator's process and is new at every load.
/// </summary>
internal static class YsbSuite
{
    private static readonly Stopwatch Clock = Stopwatch.StartNew();

    public static void Log(string line) => Console.Error.WriteLine($"[{Clock.Elapsed.TotalSeconds,6:0.0}s] {line}");

    public static List<PointResult> Run(YsbOptions o, CancellationToken cancel)
    {
        var results = new List<PointResult>();
        using var redis = RedisProcess.Start();
        using var connection = ConnectionMultiplexer.Connect(redis.Address + ",allowAdmin=true");
        Log($"redis-server on {redis.Address} (pid {redis.Pid}); {(o.Bootstrap is null ? "embedded broker in the generator's process" : "broker " + o.Bootstrap)}, {(o.Bootstrap is null ? Connectors.Kafka.EmbeddedKafkaBroker.DefaultPartitions : o.Partitions)} partitions");

        var loads = new List<long>(o.Loads);
        for (var i = 0; i < loads.Count && !cancel.IsCancellationRequested; i++)
        {
            var point = RunPoint(o, redis, connection, loads[i], 1000, cancel);
            results.Add(point);
            Describe(point);
            if (i == loads.Count - 1 && o.StepUp && point.KeptUp && point.GeneratorKeptUp && loads[i] + o.Step <= o.MaxLoad)
            {
                loads.Add(loads[i] + o.Step);
            }
        }

        foreach (var load in o.FastFlushLoads)
        {
            if (cancel.IsCancellationRequested)
            {
                break;
            }

            var point = RunPoint(o, redis, connection, load, 100, cancel);
            results.Add(point);
            Describe(point);
        }

        return results;
    }

    private static PointResult RunPoint(YsbOptions o, RedisProcess redis, ConnectionMultiplexer connection, long load, int flushMillis, CancellationToken cancel)
    {
        Log($"load {load:N0} events/s, flush {flushMillis} ms, {o.Duration.TotalSeconds:0} s: set-up");
        var db = connection.GetDatabase();
        YsbSetup.NewSetupAsync(connection.GetServer(connection.GetEndPoints()[0]), db).GetAwaiter().GetResult();
        using var feed = FeedProcess.Start(load, o.Duration, redis.Address, o.Partitions, o.Bootstrap, TimeSpan.FromSeconds(60));
        var settings = new YsbSettings
        {
            Bootstrap = feed.Bootstrap,
            Redis = redis.Address,
            FlushMillis = flushMillis,
            Group = "ysb-" + Guid.NewGuid().ToString("N")[..8],
            Name = "ysb",
            MaxSpoutPending = o.MaxSpoutPending,
            Spouts = o.Spouts,
        };
        using var cluster = new LocalCluster();
        cluster.SubmitTopology(settings.Name, AdvertisingTopology.ConfigOf(settings), AdvertisingTopology.Build(settings));
        try
        {
            // The spouts join their group and are assigned their partitions before the clock starts; they read from
            // the earliest offset, so nothing emitted meanwhile would be missed, only counted late.
            Thread.Sleep(TimeSpan.FromSeconds(o.Quick ? 3 : 5));
            var self = Process.GetCurrentProcess();
            var cpu0 = (Self: self.TotalProcessorTime.TotalSeconds, Feed: CpuSeconds(feed.Pid), Redis: CpuSeconds(redis.Pid));
            var wall = Stopwatch.StartNew();
            var result = feed.Run(o.Duration + TimeSpan.FromSeconds(120));
            var (drained, drainedAt) = AwaitCounts(db, result.Views, flushMillis, cancel);
            var seconds = wall.Elapsed.TotalSeconds;
            self.Refresh();
            var cpu = new List<(string, double)>
            {
                ("topology (local mode, this process)", (self.TotalProcessorTime.TotalSeconds - cpu0.Self) / seconds),
                ("generator + embedded broker", (CpuSeconds(feed.Pid) - cpu0.Feed) / seconds),
                ("redis-server", (CpuSeconds(redis.Pid) - cpu0.Redis) / seconds),
            };
            var windows = YsbStats.ReadAsync(db, result).GetAwaiter().GetResult();
            LogTopology(cluster.GetTopologyInfo(settings.Name));
            return new PointResult
            {
                Mode = "local",
                FlushMillis = flushMillis,
                Feed = result,
                Windows = windows,
                Drained = drained,
                DrainedMillis = drainedAt,
                Cpu = cpu,
            };
        }
        finally
        {
            cluster.KillTopology(settings.Name, TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>Polls Redis until its counts reach <paramref name="views"/>, or stop growing for long enough, or two minutes pass.</summary>
    private static (bool Drained, long At) AwaitCounts(IDatabase db, long views, int flushMillis, CancellationToken cancel)
    {
        var quiet = TimeSpan.FromMilliseconds(Math.Max(10_000, 5 * flushMillis));
        var until = Stopwatch.StartNew();
        var lastChange = Stopwatch.StartNew();
        var seen = -1L;
        while (!cancel.IsCancellationRequested && until.Elapsed < TimeSpan.FromMinutes(2))
        {
            var now = YsbStats.SeenTotalAsync(db).GetAwaiter().GetResult();
            if (now >= views)
            {
                return (true, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            }

            if (now != seen)
            {
                seen = now;
                lastChange.Restart();
            }
            else if (lastChange.Elapsed > quiet)
            {
                break;
            }

            Thread.Sleep(50);
        }

        Log($"  counts stopped at {seen:N0} of {views:N0} views");
        return (false, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    /// <summary>What each component did, and its last error: where a stall or a loss shows first.</summary>
    private static void LogTopology(TopologyInfo info)
    {
        foreach (var c in info.Components)
        {
            var t = c.Total();
            var error = c.Errors.Count == 0 ? string.Empty : $"; last of {c.Errors.Count} errors: {c.Errors[^1].Message}";
            Log(string.Create(CultureInfo.InvariantCulture, $"    {c.Id}: emitted {t.Emitted:N0}, executed {t.Executed:N0}, acked {t.Acked:N0}, failed {t.Failed:N0}, complete latency {t.CompleteLatencyMs:0.0} ms{error}"));
        }
    }

    private static double CpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return double.NaN;
        }
    }

    private static void Describe(PointResult p) =>
        Log(string.Create(CultureInfo.InvariantCulture, $"  {p.Mode}, flush {p.FlushMillis} ms, offered {p.Offered:N0}: generator {p.Feed.AchievedPerSecond:N0}/s (behind at most {p.Feed.MaxBehindMillis} ms, {p.Feed.Undelivered} undelivered, {p.Feed.Trimmed:N0} trimmed by the broker), ") +
            string.Create(CultureInfo.InvariantCulture, $"achieved {p.AchievedPerSecond:N0}/s, latency p50 {p.P50:0} p90 {p.P90:0} p99 {p.P99:0} ms over {p.Latencies.Count} windows, exact {(p.Exact ? "yes" : "no")} ({p.ExactWindows}/{p.Windows.Count}), kept up {(p.KeptUp ? "yes" : "no")}; ") +
            "cores: " + string.Join(", ", p.Cpu.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Process} {c.Cores:0.00}"))));
}
