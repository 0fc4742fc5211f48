using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;
using StormSharp.Connectors.Kafka;
using StormSharp.Connectors.Redis;
using StormSharp.Runtime;

namespace StormSharp.Examples.OrderAnalytics;

/// <summary>
/// Runs the whole pipeline on this machine: a Kafka-protocol broker (librdkafka's mock cluster, or --bootstrap),
/// redis-server on a free port (or --redis), the order generator, the topology in local mode (or, with --cluster, on
/// the running cluster through storm jar) and the dashboard;
/// at the end it compares what was produced with what Redis counted.
/// </summary>
public static class Program
{
    private const string Usage = "usage: run [--seconds N] [--rate R] [--chaos] [--cluster] [--bootstrap HOST:PORT] [--redis HOST:PORT] [--hbase-rest-url URL] [--port P]";

    public static async Task<int> Main(string[] args)
    {
        Options o;
        try
        {
            o = Options.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine("order-analytics: " + e.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };

        EmbeddedKafkaBroker? broker = null;
        ClusterRun? remote = null;
        Process? redisServer = null;
        string? redisDir = null;
        try
        {
            string bootstrap;
            if (o.Bootstrap is { } b)
            {
                bootstrap = b;
            }
            else
            {
                broker = EmbeddedKafkaBroker.Start();
                bootstrap = broker.BootstrapServers;
                Console.WriteLine($"pipeline: Kafka-protocol broker (librdkafka's mock cluster) at {bootstrap}");
            }

            string redisAddress;
            if (o.Redis is { } r)
            {
                redisAddress = r;
            }
            else
            {
                (redisServer, redisDir, redisAddress) = StartRedis();
                Console.WriteLine($"pipeline: redis-server (pid {redisServer.Id}) at {redisAddress}");
            }

            var host = redisAddress[..redisAddress.LastIndexOf(':')];
            var port = int.Parse(redisAddress[(redisAddress.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);
            var redisConfig = RedisConnectionConfig.Single(host, port);
            using var redis = redisConfig.Connect();
            var db = redis.GetDatabase();
            foreach (var key in RedisKeys.All)
            {
                db.KeyDelete(key);
            }

            await using var dashboard = await Dashboard.StartAsync(redis, o.Port);
            Console.WriteLine($"pipeline: dashboard at {dashboard.Url}");

            using var generator = new OrderGenerator(bootstrap);
            using var cluster = o.Cluster ? null : new LocalCluster();
            remote = o.Cluster ? new ClusterRun(StormCommand(), ProjectDirectory()) : null;
            var topology = OrderAnalyticsTopology.Build(bootstrap, redisConfig, o.Chaos, o.HBaseRestUrl);
            if (remote is not null)
            {
                Console.WriteLine("pipeline: submitting the topology to the cluster with storm jar");
                await remote.SubmitAsync(bootstrap, redisAddress, o.Chaos, o.HBaseRestUrl, stop.Token);
                Console.WriteLine($"pipeline: topology {remote.TopologyId} submitted to the cluster");
            }
            else
            {
                cluster!.SubmitTopology(OrderAnalyticsTopology.Name, OrderAnalyticsTopology.Config(), topology);
            }

            Console.WriteLine($"pipeline: topology {OrderAnalyticsTopology.Name} running for {o.Seconds} s at {o.Rate} orders/s{(o.Chaos ? ", chaos on" : string.Empty)}");

            using var runFor = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
            runFor.CancelAfter(TimeSpan.FromSeconds(o.Seconds));
            var producing = generator.RunAsync(o.Rate, runFor.Token);
            if (o.Chaos)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(o.Seconds / 2.0), runFor.Token);
                    if (remote is not null)
                    {
                        var killed = remote.KillOneWorker();
                        Console.WriteLine(killed is { } pid
                            ? $"pipeline: chaos: SIGKILLed worker process {pid}; its supervisor starts it again"
                            : "pipeline: chaos: no worker process of the topology found on this host to kill");
                    }
                    else
                    {
                        Console.WriteLine("pipeline: chaos: killing the topology and starting it again");
                        cluster!.KillTopology(OrderAnalyticsTopology.Name, TimeSpan.FromSeconds(5));
                        cluster.SubmitTopology(OrderAnalyticsTopology.Name, OrderAnalyticsTopology.Config(), topology);
                    }
                }
                catch (OperationCanceledException)
                {
                }
            }

            await producing;
            Console.WriteLine($"pipeline: generator stopped; waiting for the topology to count {generator.Valid} orders and {generator.Invalid} invalid records");
            var drained = await DrainAsync(db, generator, TimeSpan.FromSeconds(90));
            if (!drained)
            {
                Console.WriteLine("pipeline: the topology had not counted everything within 90 s");
            }

            if (remote is not null)
            {
                await remote.KillAsync(CancellationToken.None);
            }
            else
            {
                cluster!.KillTopology(OrderAnalyticsTopology.Name, TimeSpan.FromSeconds(10));
            }

            return Report(db, generator) ? 0 : 1;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or RedisException or IOException)
        {
            Console.Error.WriteLine("order-analytics: " + e.Message);
            return 1;
        }
        finally
        {
            if (remote is { TopologyId: not null, Killed: false })
            {
                // Stopped early (Ctrl-C, an error): the topology must not outlive the broker and Redis it reads and writes.
                try
                {
                    await remote.KillAsync(CancellationToken.None);
                }
                catch (Exception e) when (e is InvalidOperationException or TimeoutException)
                {
                    Console.Error.WriteLine($"order-analytics: killing {remote.TopologyId} on the cluster failed; kill it with storm kill {OrderAnalyticsTopology.Name}: {e.Message}");
                }
            }

            if (redisServer is not null)
            {
                redisServer.Kill();
                await redisServer.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
                redisServer.Dispose();
            }

            if (redisDir is not null)
            {
                Directory.Delete(redisDir, recursive: true);
            }

            broker?.Dispose();
        }
    }

    /// <summary>The storm command the run script points at (<c>ORDER_ANALYTICS_STORM</c>), else <c>storm</c> on the PATH.</summary>
    private static string StormCommand() => Environment.GetEnvironmentVariable("ORDER_ANALYTICS_STORM") is { Length: > 0 } s ? s : "storm";

    /// <summary>This example's project folder (<c>ORDER_ANALYTICS_PROJECT</c>, set by the run script), which storm jar builds and packs.</summary>
    private static string ProjectDirectory() =>
        Environment.GetEnvironmentVariable("ORDER_ANALYTICS_PROJECT") is { Length: > 0 } p
            ? p
            : throw new InvalidOperationException("--cluster needs the example's project folder: start it with examples/OrderAnalytics/run");

    private static async Task<bool> DrainAsync(IDatabase db, OrderGenerator generator, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            var orders = (long?)db.StringGet(RedisKeys.Orders) ?? 0;
            var invalid = (long?)db.StringGet(RedisKeys.Invalid) ?? 0;
            if (orders >= generator.Valid && invalid >= generator.Invalid)
            {
                return true;
            }

            // Redis gives no signal when a counter reaches a value: look again shortly.
            await Task.Delay(200, CancellationToken.None);
        }

        return false;
    }

    private static bool Report(IDatabase db, OrderGenerator generator)
    {
        var counted = (long?)db.StringGet(RedisKeys.Orders) ?? 0;
        var revenue = (long?)db.StringGet(RedisKeys.Revenue) ?? 0;
        var invalid = (long?)db.StringGet(RedisKeys.Invalid) ?? 0;
        var ids = generator.ValidIds.ToArray();
        long missing = 0;
        foreach (var chunk in ids.Chunk(1000))
        {
            var present = db.SetContains(RedisKeys.Seen, [.. chunk.Select(i => (RedisValue)i)]);
            missing += present.Count(p => !p);
        }

        var doubleCounted = Math.Max(0, counted - (ids.Length - missing));
        static string Money(long cents) => (cents / 100m).ToString("F2", CultureInfo.InvariantCulture);
        Console.WriteLine($"pipeline.orders_produced: {generator.Valid + generator.Invalid}");
        Console.WriteLine($"pipeline.orders_valid: {generator.Valid}");
        Console.WriteLine($"pipeline.orders_invalid: {generator.Invalid}");
        Console.WriteLine($"pipeline.orders_counted: {counted}");
        Console.WriteLine($"pipeline.invalid_counted: {invalid}");
        Console.WriteLine($"pipeline.revenue_produced: {Money(generator.RevenueCents)}");
        Console.WriteLine($"pipeline.revenue_counted: {Money(revenue)}");
        Console.WriteLine($"pipeline.missing: {missing}");
        Console.WriteLine($"pipeline.double_counted: {doubleCounted}");
        return counted == generator.Valid && invalid == generator.Invalid && revenue == generator.RevenueCents && missing == 0 && doubleCounted == 0;
    }

    private static (Process Process, string Dir, string Address) StartRedis()
    {
        const string exe = "/usr/bin/redis-server";
        if (!File.Exists(exe))
        {
            throw new InvalidOperationException("redis-server is not installed: run deploy/install-deps redis, or pass --redis HOST:PORT");
        }

        var dir = Path.Combine(Path.GetTempPath(), "order-analytics-redis-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, UseShellExecute = false, WorkingDirectory = dir };
        foreach (var a in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no" })
        {
            psi.ArgumentList.Add(a);
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("Ready to accept connections", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        p.Start();
        p.BeginOutputReadLine();
        if (!ready.Task.Wait(TimeSpan.FromSeconds(15)))
        {
            p.Kill();
            p.Dispose();
            Directory.Delete(dir, recursive: true);
            throw new TimeoutException($"redis-server on port {port} was not ready in 15 s");
        }

        return (p, dir, $"127.0.0.1:{port}");
    }

    private sealed record Options(int Seconds, int Rate, bool Chaos, string? Bootstrap, string? Redis, string? HBaseRestUrl, int Port, bool Cluster)
    {
        public static Options Parse(string[] args)
        {
            var o = new Options(30, 200, false, null, null, null, 0, false);
            for (var i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                int Number(string name, int min, int max)
                {
                    var v = Next();
                    return int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
                        ? n
                        : throw new ArgumentException($"{name} takes a whole number from {min} to {max}, got '{v}'");
                }

                o = args[i] switch
                {
                    "--seconds" => o with { Seconds = Number("--seconds", 2, 86_400) },
                    "--rate" => o with { Rate = Number("--rate", 1, 5_000) },
                    "--chaos" => o with { Chaos = true },
                    "--bootstrap" => o with { Bootstrap = Next() },
                    "--redis" => o with { Redis = Next() },
                    "--hbase-rest-url" => o with { HBaseRestUrl = Next() },
                    "--port" => o with { Port = Number("--port", 0, 65_535) },
                    "--cluster" => o with { Cluster = true },
                    _ => throw new ArgumentException($"unknown option '{args[i]}'"),
                };
            }

            if (o.Redis is { } r && !r.Contains(':', StringComparison.Ordinal))
            {
                throw new ArgumentException($"--redis takes HOST:PORT, got '{r}'");
            }

            return o;
        }
    }
}
