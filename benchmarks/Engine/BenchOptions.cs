namespace StormSharp.Benchmarks.Engine;

/// <summary>Command line: <c>[engine] [--quick] [--only const,ack,wordcount,overload,micro,multilang] [--results path] [--queue capacity] [--rounds n]</c>.</summary>
public sealed record BenchOptions(bool Quick, IReadOnlySet<string> Only, string? ResultsPath, int QueueCapacity, int? RoundsOverride = null)
{
    public static readonly string[] Sections = ["const", "ack", "wordcount", "overload", "micro", "multilang", "window", "state"];

    public TimeSpan Warmup => Quick ? TimeSpan.FromSeconds(1.5) : TimeSpan.FromSeconds(5);

    /// <summary>The measured window of each throughput and latency run (the issue asks for at least 20 s).</summary>
    public TimeSpan Window => Quick ? TimeSpan.FromSeconds(4) : TimeSpan.FromSeconds(20);

    /// <summary>
    /// Rounds of the two runs behind a ratio (acking and no acking; Dataflow and engine word count), the first being
    /// the main table's; <c>--rounds</c> takes more samples of each pair when the machine is noisy.
    /// </summary>
    public int Rounds => RoundsOverride ?? (Quick ? 2 : 5);

    public TimeSpan OverloadDuration => Quick ? TimeSpan.FromSeconds(15) : TimeSpan.FromSeconds(60);

    /// <summary>Resident memory is fitted from this point of the overload run (start-up and queue filling excluded).</summary>
    public TimeSpan OverloadFitFrom => Quick ? TimeSpan.FromSeconds(5) : TimeSpan.FromSeconds(10);

    /// <summary>Offered word-count rates, as fractions of the highest sustained rate.</summary>
    public double[] RateFractions => Quick ? [0.5] : [0.1, 0.25, 0.5, 0.75, 0.9];

    public bool All => Only.Count == 0;

    public bool Runs(string section) => Only.Count == 0 || Only.Contains(section);

    public static BenchOptions Parse(string[] args)
    {
        var quick = false;
        var only = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        string? results = null;
        var queue = 1024;
        int? rounds = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "engine":
                    break;
                case "--quick":
                    quick = true;
                    break;
                case "--only" when i + 1 < args.Length:
                    foreach (var s in args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (Array.IndexOf(Sections, s) < 0)
                        {
                            throw new ArgumentException($"--only: unknown section '{s}' (sections: {string.Join(", ", Sections)})");
                        }

                        only.Add(s);
                    }

                    break;
                case "--queue" when i + 1 < args.Length:
                    if (!int.TryParse(args[++i], System.Globalization.CultureInfo.InvariantCulture, out queue) || queue < 2)
                    {
                        throw new ArgumentException($"--queue: '{args[i]}' is not a capacity of 2 or more");
                    }

                    break;
                case "--rounds" when i + 1 < args.Length:
                    if (!int.TryParse(args[++i], System.Globalization.CultureInfo.InvariantCulture, out var n) || n < 1 || n > 50)
                    {
                        throw new ArgumentException($"--rounds: '{args[i]}' is not a number of rounds from 1 to 50");
                    }

                    rounds = n;
                    break;
                case "--results" when i + 1 < args.Length:
                    results = args[++i];
                    break;
                default:
                    throw new ArgumentException(
                        $"unknown argument '{args[i]}'; usage: benchmarks/run engine [--quick] [--only {string.Join(",", Sections)}] [--results <file>] [--queue <capacity>] [--rounds <n>]");
            }
        }

        return new BenchOptions(quick, only, results, queue, rounds);
    }
}
