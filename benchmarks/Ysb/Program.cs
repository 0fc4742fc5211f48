using StormSharp.Benchmarks.Ysb;
using StormSharp.Benchmarks.Ysb.Feed;
using StormSharp.Benchmarks.Ysb.Results;

if (args.Length > 0 && args[0] == "feed")
{
    return await FeedMain.RunAsync(args[1..]);
}

YsbOptions options;
try
{
    options = YsbOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

using var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    interrupted.Cancel();
    YsbSuite.Log("interrupted: stopping after this load");
};

var started = DateTime.UtcNow;
var load = YsbReport.LoadAverage();
YsbSuite.Log($"Yahoo Streaming Benchmark ({(options.Quick ? "quick" : "full")}): {options.Duration.TotalSeconds:0} s a load");
List<PointResult> points;
try
{
    points = YsbSuite.Run(options, interrupted.Token);
}
catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or StackExchange.Redis.RedisException or Confluent.Kafka.KafkaException)
{
    // Caught so that every process the suite started is stopped by its using blocks on the way here.
    Console.Error.WriteLine($"benchmarks/run ysb failed: {e}");
    return 1;
}

foreach (var (key, value) in YsbSummary.Of(points))
{
    Console.WriteLine($"{key}: {value}");
}

if (options.WriteResults && !interrupted.IsCancellationRequested)
{
    var path = YsbReport.DefaultPath();
    YsbReport.Write(path, options, points, started, DateTime.UtcNow, load);
    YsbSuite.Log($"wrote {path}");
}

return 0;
