using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;
using StormSharp.Benchmarks.Cluster.Measurement;
using StormSharp.Benchmarks.Cluster.Rig;
using StormSharp.Benchmarks.Ysb.Feed;
using StormSharp.Benchmarks.Ysb.Infrastructure;
using StormSharp.Benchmarks.Ysb.Results;
using StormSharp.Benchmarks.Ysb.Topology;
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

        if (o.Warmup > TimeSpan.Zero && !cancel.IsCancellationRequested)
        {
            // The topology's code runs here for the first time: a first measured load would pay for its compilation
            // (tiered JIT) and, falling seconds behind, outrun the embedded broker's retention. Not reported.
            var warm = RunPoint(o with { Duration = o.Warmup }, redis, connection, null, 20_000, 1000, cancel);
            Log($"  warm-up at 20,000 events/s for {o.Warmup.TotalSeconds:0} s done (not reported; exact {(warm.Exact ? "yes" : "no")})");
        }

        var loads = new List<long>(o.Loads);
        for (var i = 0; i < loads.Count && !cancel.IsCancellationRequested; i++)
        {
            var point = RunPoint(o, redis, connection, null, loads[i], 1000, cancel);
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

            var point = RunPoint(o, redis, connection, null, load, 100, cancel);
            results.Add(point);
            Describe(point);
        }

        if (o.ClusterLoads.Length > 0 && !cancel.IsCancellationRequested)
        {
            Log("cluster: starting dev-zookeeper, nimbus and one supervisor");
            using var rig = ClusterRig.Start(RepositoryRoot());
            try
            {
                foreach (var load in o.ClusterLoads)
                {
                    if (cancel.IsCancellationRequested)
                    {
                        break;
                    }

                    var point = RunPoint(o, redis, connection, rig, load, 1000, cancel);
                    results.Add(point);
                    Describe(point);

                    // The workers' logs tell why a cluster run fell behind.
                    rig.KeepRunDirectory |= !point.KeptUp;
                }
            }
            catch
            {
                rig.KeepRunDirectory = true;
                throw;
            }
        }

        return results;
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "benchmarks", "run")) && File.Exists(Path.Combine(dir.FullName, "bin", "storm")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("cannot find the repository (benchmarks/run and bin/storm) above " + AppContext.BaseDirectory);
    }

    private static PointResult RunPoint(YsbOptions o, RedisProcess redis, ConnectionMultiplexer connection, ClusterRig? rig, long load, int flushMillis, CancellationToken cancel)
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
        using ITopologyHost host = rig is null ? new LocalHost(settings) : new ClusterHost(rig, settings);

        // The spouts join their group and are assigned their partitions before the clock starts; they read from
        // the earliest offset, so nothing emitted meanwhile would be missed, only counted late.
        Thread.Sleep(TimeSpan.FromSeconds(o.Quick ? 3 : 5));
        var counted0 = rig is null ? 0 : WarmUpWorkers(o, feed, db, cancel);
        var cpu0 = (Topology: host.CpuSeconds(), Feed: CpuClock.Seconds(feed.Pid), Redis: CpuClock.Seconds(redis.Pid));
        var wall = Stopwatch.StartNew();
        var result = feed.Run(o.Duration + TimeSpan.FromSeconds(120));
        var (drained, drainedAt) = AwaitCounts(db, counted0 + result.Views, flushMillis, cancel);
        var seconds = wall.Elapsed.TotalSeconds;
        var cpu = new List<(string, double)>
        {
            (host.Mode == "local" ? "topology (local mode, this process)" : "topology (2 workers)", (host.CpuSeconds() - cpu0.Topology) / seconds),
            ("generator + embedded broker", (CpuClock.Seconds(feed.Pid) - cpu0.Feed) / seconds),
            ("redis-server", (CpuClock.Seconds(redis.Pid) - cpu0.Redis) / seconds),
        };
        var windows = YsbStats.ReadAsync(db, result, notBefore: result.StartMillis - (long)TimeSpan.FromMinutes(30).TotalMilliseconds).GetAwaiter().GetResult();
        foreach (var line in host.Components())
        {
            Log("    " + line);
        }

        return new PointResult
        {
            Mode = host.Mode,
            FlushMillis = flushMillis,
            Feed = result,
            Windows = windows,
            Drained = drained,
            DrainedMillis = drainedAt,
            Cpu = cpu,
        };
    }

    /// <summary>
    /// A cluster load's workers are new processes: their code is compiled as it first runs (tiered JIT), and a spout
    /// that falls a few seconds behind at the start has fallen behind the embedded broker's retention at the loads
    /// measured. So before the clock starts, the generator emits at 20,000 events/s for the warm-up time, its events
    /// stamped an hour back: their windows are apart from the measured ones, left out of the results, and their counts
    /// (the total once it stops moving) are the base the measured views add to. Returns that base.
    /// </summary>
    private static long WarmUpWorkers(YsbOptions o, FeedProcess feed, IDatabase db, CancellationToken cancel)
    {
        if (o.Warmup <= TimeSpan.Zero || cancel.IsCancellationRequested)
        {
            return 0;
        }

        var views = feed.Warm(20_000, o.Warmup, o.Warmup + TimeSpan.FromSeconds(60));
        var quiet = Stopwatch.StartNew();
        var until = Stopwatch.StartNew();
        var counted = -1L;
        while (!cancel.IsCancellationRequested && quiet.Elapsed < TimeSpan.FromSeconds(3) && until.Elapsed < TimeSpan.FromSeconds(60))
        {
            var now = YsbStats.SeenTotalAsync(db).GetAwaiter().GetResult();
            if (now != counted)
            {
                counted = now;
                quiet.Restart();
            }

            Thread.Sleep(100);
        }

        Log($"  warm-up at 20,000 events/s for {o.Warmup.TotalSeconds:0} s: {counted:N0} of its {views:N0} views counted (not reported)");
        return counted;
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

    private static void Describe(PointResult p) =>
        Log(string.Create(CultureInfo.InvariantCulture, $"  {p.Mode}, flush {p.FlushMillis} ms, offered {p.Offered:N0}: generator {p.Feed.AchievedPerSecond:N0}/s (behind at most {p.Feed.MaxBehindMillis} ms, {p.Feed.Undelivered} undelivered, {p.Feed.Trimmed:N0} dropped by the broker, read or not), ") +
            string.Create(CultureInfo.InvariantCulture, $"achieved {p.AchievedPerSecond:N0}/s, latency p50 {p.P50:0} p90 {p.P90:0} p99 {p.P99:0} ms over {p.Latencies.Count} windows, exact {(p.Exact ? "yes" : "no")} ({p.ExactWindows}/{p.Windows.Count}), kept up {(p.KeptUp ? "yes" : "no")}; ") +
            "cores: " + string.Join(", ", p.Cpu.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Process} {c.Cores:0.00}"))));
}
