using System.Globalization;

namespace StormSharp.Benchmarks.Cluster;

/// <summary>Command line: <c>cluster [--quick] [--results path | --no-results]</c>.</summary>
internal sealed record ClusterBenchOptions(bool Quick, string? ResultsPath, bool WriteResults)
{
    /// <summary>From the moment both workers heartbeat to the start of the window.</summary>
    public TimeSpan Warmup => Quick ? TimeSpan.FromSeconds(5) : TimeSpan.FromSeconds(10);

    /// <summary>Each measured window (the issue asks for at least 20 s; 10 s quick).</summary>
    public TimeSpan Window => Quick ? TimeSpan.FromSeconds(10) : TimeSpan.FromSeconds(20);

    /// <summary>The overload run's wait before resident memory is sampled.</summary>
    public TimeSpan OverloadWarmup => TimeSpan.FromSeconds(10);

    /// <summary>How long resident memory is sampled under overload (60 s; 20 s quick).</summary>
    public TimeSpan OverloadWindow => Quick ? TimeSpan.FromSeconds(20) : TimeSpan.FromSeconds(60);

    public static ClusterBenchOptions Parse(string[] args)
    {
        var quick = false;
        string? results = null;
        var write = true;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "cluster":
                    break;
                case "--quick":
                    quick = true;
                    break;
                case "--results" when i + 1 < args.Length:
                    results = args[++i];
                    break;
                case "--no-results":
                    write = false;
                    break;
                default:
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"unknown argument '{args[i]}'; usage: benchmarks/run cluster [--quick] [--results <file> | --no-results]"));
            }
        }

        return new ClusterBenchOptions(quick, results, write);
    }
}
