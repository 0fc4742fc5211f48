using System.Globalization;

namespace StormSharp.Benchmarks.Fuzz;

/// <summary><c>benchmarks/run fuzz [--seconds N] [--target NAME]... [--keep]</c>: how long each target is fuzzed, which, and whether the run folder is kept.</summary>
internal sealed record FuzzOptions(TimeSpan PerTarget, IReadOnlySet<string> Targets, bool Keep)
{
    public static readonly string[] AllTargets = ["nimbus", "worker", "ui", "logviewer"];

    public const string Usage = "usage: benchmarks/run fuzz [--seconds N] [--target nimbus|worker|ui|logviewer]... [--keep]   (N seconds per target, default 60; --keep keeps the cluster's run folder and logs)";

    /// <summary>Throws <see cref="ArgumentException"/> with <see cref="Usage"/> on anything it does not know.</summary>
    public static FuzzOptions Parse(string[] args)
    {
        var seconds = 60.0;
        var targets = new HashSet<string>(StringComparer.Ordinal);
        var keep = false;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--seconds" && i + 1 < args.Length && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s >= 1 && s <= 86_400)
            {
                seconds = s;
                i++;
            }
            else if (args[i] == "--target" && i + 1 < args.Length && AllTargets.Contains(args[i + 1]))
            {
                targets.Add(args[i + 1]);
                i++;
            }
            else if (args[i] == "--keep")
            {
                keep = true;
            }
            else
            {
                throw new ArgumentException($"{Usage}; got '{args[i]}'");
            }
        }

        return new FuzzOptions(TimeSpan.FromSeconds(seconds), targets.Count == 0 ? new HashSet<string>(AllTargets, StringComparer.Ordinal) : targets, keep);
    }
}
