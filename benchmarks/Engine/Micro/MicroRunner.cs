using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace StormSharp.Benchmarks.Engine.Micro;

/// <summary>One micro-benchmark result: nanoseconds and bytes allocated per operation (per tuple or per tree).</summary>
public sealed record MicroResult(string Suite, string Method, string Parameters, double MeanNs, double AllocatedBytes);

/// <summary>
/// Runs the BenchmarkDotNet suites in this process (the in-process toolchain: no project generated and built per
/// benchmark, which a 2-core machine cannot afford in a few minutes), logging to stderr so stdout keeps only the
/// summary lines.
/// </summary>
public static class MicroRunner
{
    public static IReadOnlyList<MicroResult> Run(bool quick)
    {
        var job = Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(quick ? 2 : 5)
            .WithIterationCount(quick ? 4 : 15)
            .WithIterationTime(TimeInterval.FromMilliseconds(quick ? 60 : 250));
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddLogger(new StderrLogger())
            .AddExporter(MarkdownExporter.GitHub)
            .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "stormsharp-benchmarks"))
            .WithOptions(ConfigOptions.DisableLogFile | ConfigOptions.JoinSummary);

        var results = new List<MicroResult>();
        foreach (var summary in BenchmarkRunner.Run([typeof(RoutingBenchmarks), typeof(AckerBenchmarks), typeof(SerializationBenchmarks)], config))
        {
            foreach (var report in summary.Reports)
            {
                var bc = report.BenchmarkCase;
                var mean = report.ResultStatistics?.Mean ?? double.NaN;
                var allocated = report.GcStats.GetBytesAllocatedPerOperation(bc);
                results.Add(new MicroResult(
                    bc.Descriptor.Type.Name.Replace("Benchmarks", string.Empty, StringComparison.Ordinal),
                    bc.Descriptor.WorkloadMethod.Name,
                    bc.Parameters.DisplayInfo,
                    mean,
                    allocated is null ? double.NaN : allocated.Value));
            }
        }

        return results;
    }

    private sealed class StderrLogger : ILogger
    {
        public string Id => "stderr";

        public int Priority => 0;

        public void Write(LogKind logKind, string text) => Console.Error.Write(text);

        public void WriteLine() => Console.Error.WriteLine();

        public void WriteLine(LogKind logKind, string text) => Console.Error.WriteLine(text);

        public void Flush() => Console.Error.Flush();
    }
}
