using System.Diagnostics;
using System.Globalization;
using StormSharp.Benchmarks.ZooKeeper;
using StormSharp.ZooKeeper;

// Pipelined getData/setData throughput on one session, this client against Apache's Java client
// from the same package, both against one standalone server started here.
// Usage: benchmarks/run zookeeper [--seconds 5] [--warmup 2] [--inflight 1000] [--size 100] [--ours-only]
var seconds = Arg("--seconds", 5.0);
var warmup = Arg("--warmup", 2.0);
var inFlight = (int)Arg("--inflight", 1000);
var size = (int)Arg("--size", 100);
var oursOnly = args.Contains("--ours-only");

using var server = await StandaloneServer.StartAsync();
var javaClasses = await JavaBaseline.CompileAsync();
try
{
    const string Path = "/bench";
    await using (var setup = await ZooKeeperClient.ConnectAsync(server.ConnectionString))
    {
        await setup.CreateAsync(Path, new byte[size], Acls.OpenUnsafe);
    }

    // Warm the server's JIT before anything is measured, so neither client pays for a cold server.
    foreach (var mode in new[] { "getdata", "setdata" })
    {
        await RunOursAsync(server.ConnectionString, Path, mode, 0, warmup, inFlight, size);
    }

    var results = new Dictionary<string, (double Ours, double Java)>();
    var cpu = new Dictionary<string, double>();
    foreach (var mode in new[] { "getdata", "setdata" })
    {
        var java = oursOnly ? double.NaN : await JavaBaseline.RunAsync(javaClasses, server.ConnectionString, Path, mode == "getdata" ? "get" : "set", warmup, seconds, inFlight, size);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var bytesBefore = GC.GetTotalAllocatedBytes(precise: true);
        var ours = await RunOursAsync(server.ConnectionString, Path, mode, warmup, seconds, inFlight, size);
        var bytesUsed = GC.GetTotalAllocatedBytes(precise: true) - bytesBefore;
        var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        results[mode] = (ours, java);

        // Client CPU per operation, warm-up included: steadier than throughput on a shared machine.
        var approxOps = ours * (seconds + warmup);
        Console.WriteLine(FormattableString.Invariant($"zk.{mode}.dotnet_cpu_us_per_op: {cpuUsed.TotalMicroseconds / approxOps:F1}"));
        Console.WriteLine(FormattableString.Invariant($"zk.{mode}.dotnet_bytes_allocated_per_op: {bytesUsed / approxOps:F0}"));
        Console.WriteLine(FormattableString.Invariant($"zk.{mode}.dotnet_ops_per_sec: {ours:F0}"));
        Console.WriteLine(FormattableString.Invariant($"zk.{mode}.java_ops_per_sec: {java:F0}"));
    }

    foreach (var (mode, r) in results)
    {
        Console.WriteLine(FormattableString.Invariant($"zk.{mode}.ratio_vs_java: {r.Ours / r.Java:F2}"));
    }
}
finally
{
    Directory.Delete(javaClasses, recursive: true);
}

static async Task<double> RunOursAsync(string connectionString, string path, string mode, double warmupSeconds, double seconds, int inFlight, int size)
{
    await using var zk = await ZooKeeperClient.ConnectAsync(connectionString);
    var data = new byte[size];
    var get = mode == "getdata";
    long done = 0;
    var stop = false;

    async Task Worker()
    {
        while (!Volatile.Read(ref stop))
        {
            if (get)
            {
                await zk.GetDataAsync(path);
            }
            else
            {
                await zk.SetDataAsync(path, data);
            }

            Interlocked.Increment(ref done);
        }
    }

    var workers = Enumerable.Range(0, inFlight).Select(_ => Task.Run(Worker)).ToArray();
    await Task.Delay(TimeSpan.FromSeconds(warmupSeconds));
    var startCount = Interlocked.Read(ref done);
    var sw = Stopwatch.StartNew();
    await Task.Delay(TimeSpan.FromSeconds(seconds));
    var count = Interlocked.Read(ref done) - startCount;
    var elapsed = sw.Elapsed.TotalSeconds;
    Volatile.Write(ref stop, true);
    await Task.WhenAll(workers);
    return count / elapsed;
}

double Arg(string name, double fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? double.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}
