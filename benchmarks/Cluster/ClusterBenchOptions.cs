using System.Globalization;

namespace StormSharp.Benchmarks.Cluster;

/// <summary>Command line: <c>cluster [--quick] [--only group,...] [--overload-seconds N] [--results path | --no-results]</c>.</summary>
/// <param name="Only">The groups of runs to make (<see cref="Groups"/>), or null for all; a partial run writes no results file.</param>
/// <param name="OverloadSeconds">The overload window when given (a longer one tells a leak from a heap still settling); no results file then.</param>
internal sealed record ClusterBenchOptions(bool Quick, string? ResultsPath, bool WriteResults, IReadOnlySet<string>? Only = null, int? OverloadSeconds = null)
{
    /// <summary>
    /// The groups <c>--only</c> takes: <c>const</c> (raw gRPC, local 2 workers, cluster const), <c>ack</c> (noack and
    /// ack on the cluster), <c>wordcount</c> (local 1 worker, cluster max and the latency sweep), <c>overload</c>.
    /// </summary>
    public static readonly string[] Groups = ["const", "ack", "wordcount", "overload"];

    /// <summary>Whether the runs of <paramref name="group"/> are made.</summary>
    public bool Runs(string group) => Only is null || Only.Contains(group);

    /// <summary>From the moment both workers heartbeat to the start of the window.</summary>
    public TimeSpan Warmup => Quick ? TimeSpan.FromSeconds(5) : TimeSpan.FromSeconds(10);

    /// <summary>Each measured window (the issue asks for at least 20 s; 10 s quick).</summary>
    public TimeSpan Window => Quick ? TimeSpan.FromSeconds(10) : TimeSpan.FromSeconds(20);

    /// <summary>
    /// The fractions of the unpaced word count rate the paced runs offer: ThroughputVsLatency's sweep in a full run,
    /// the half-max level the summary reads and one near the top in a quick one.
    /// </summary>
    public double[] SweepFractions => Quick ? [0.5, 0.9] : [0.1, 0.25, 0.5, 0.75, 0.9];

    /// <summary>The overload run's wait before resident memory is sampled.</summary>
    public TimeSpan OverloadWarmup => TimeSpan.FromSeconds(10);

    /// <summary>How long resident memory is sampled under overload (60 s; 20 s quick; or <c>--overload-seconds</c>).</summary>
    public TimeSpan OverloadWindow => OverloadSeconds is { } s ? TimeSpan.FromSeconds(s) : Quick ? TimeSpan.FromSeconds(20) : TimeSpan.FromSeconds(60);

    public static ClusterBenchOptions Parse(string[] args)
    {
        var quick = false;
        string? results = null;
        var write = true;
        HashSet<string>? only = null;
        int? overloadSeconds = null;
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
                case "--only" when i + 1 < args.Length:
                    only = [.. args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
                    if (only.FirstOrDefault(g => !Groups.Contains(g)) is { } unknown)
                    {
                        throw new ArgumentException($"unknown group '{unknown}' for --only; groups: {string.Join(", ", Groups)}");
                    }

                    // Some keys would be missing, and RESULTS.md keeps whole runs only.
                    write = false;
                    break;
                case "--overload-seconds" when i + 1 < args.Length:
                    overloadSeconds = int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 5
                        ? n
                        : throw new ArgumentException($"--overload-seconds takes a whole number of seconds, at least 5; got '{args[i]}'");

                    // RESULTS.md keeps runs of the documented length only.
                    write = false;
                    break;
                default:
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"unknown argument '{args[i]}'; usage: benchmarks/run cluster [--quick] [--only {string.Join('|', Groups)}[,...]] [--overload-seconds <n>] [--results <file> | --no-results]"));
            }
        }

        return new ClusterBenchOptions(quick, results, write, only, overloadSeconds);
    }
}
