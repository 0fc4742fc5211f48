using System.Diagnostics;
using StormSharp.Benchmarks.Cluster;
using StormSharp.Benchmarks.Cluster.Measurement;
using StormSharp.Benchmarks.Cluster.Report;

if (args.Length > 0 && args[0] == "soak")
{
    return SoakSuite.Run(args, RepositoryRoot());
}

ClusterBenchOptions options;
try
{
    options = ClusterBenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

var root = RepositoryRoot();
var results = new ClusterResults { LoadAtStart = ClusterReport.LoadAverage() };
var started = DateTime.UtcNow;
Bench.Log($"cluster benchmarks ({(options.Quick ? "quick" : "full")}): window {options.Window.TotalSeconds:0} s after {options.Warmup.TotalSeconds:0} s of warm-up");

// Ctrl-C: let the suite's finally blocks stop every process it started, by pid.
using var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    interrupted.Cancel();
    Bench.Log("interrupted: stopping what was started");
};
var suite = new Thread(() => ClusterSuite.Run(options, results, root)) { IsBackground = true };
suite.Start();
while (!suite.Join(200))
{
    if (interrupted.IsCancellationRequested)
    {
        // The suite thread checks nothing per poll; it is given its time to stop the cluster in its own finally.
        suite.Join(TimeSpan.FromSeconds(120));
        return 130;
    }
}

foreach (var (key, value) in results.Summary())
{
    Console.WriteLine($"{key}: {value}");
}

if (options.WriteResults)
{
    var path = options.ResultsPath ?? ClusterReport.DefaultPath(root);
    ClusterReport.Write(path, options, results, started, DateTime.UtcNow, Commit(root));
    Bench.Log($"wrote {path}");
}

return 0;

static string RepositoryRoot()
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

static string Commit(string root)
{
    try
    {
        var psi = new ProcessStartInfo("git", ["-C", root, "rev-parse", "--short", "HEAD"]) { RedirectStandardOutput = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        var sha = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return sha;
    }
    catch (System.ComponentModel.Win32Exception)
    {
        return "unknown";
    }
}
