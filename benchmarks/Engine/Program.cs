using StormSharp.Benchmarks.Engine;
using StormSharp.Benchmarks.Engine.Measurement;
using StormSharp.Benchmarks.Engine.Micro;
using StormSharp.Benchmarks.Engine.Peers;
using StormSharp.Benchmarks.Engine.Report;
using StormSharp.Benchmarks.Engine.Topologies;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

PipelineShape.QueueCapacity = options.QueueCapacity;
_ = AllocationSampler.Instance;
var results = new SuiteResults();
var started = DateTime.UtcNow;
Harness.Log($"engine benchmarks ({(options.Quick ? "quick" : "full")}): {string.Join(", ", BenchOptions.Sections.Where(options.Runs))}");

try
{
    Sections.Run(options, results);
}
finally
{
    EngineTopologies.Shutdown();
}

foreach (var (key, value) in results.Summary())
{
    Console.WriteLine($"{key}: {value}");
}

var path = options.ResultsPath ?? (options.All ? ResultsReport.DefaultPath() : null);
if (path is not null)
{
    // The cluster suite's section (benchmarks/run cluster) follows the engine's report in the same file: keep it.
    var existing = File.Exists(path) ? File.ReadAllText(path) : string.Empty;
    var cluster = existing.IndexOf("\n# Cluster benchmark results", StringComparison.Ordinal);
    var kept = cluster >= 0 ? "\n" + existing[(cluster + 1)..] : string.Empty;
    File.WriteAllText(path, ResultsReport.Render(options, results, started, DateTime.UtcNow) + kept);
    Harness.Log($"wrote {path}");
}

return 0;
