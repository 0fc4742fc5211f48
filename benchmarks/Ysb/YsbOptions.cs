using System.Globalization;

namespace StormSharp.Benchmarks.Ysb;

/// <summary>
/// <c>benchmarks/run ysb [--quick] [--seconds N] [--loads 50000,90000,...] [--fast-flush-loads ...] [--cluster-loads ...] [--bootstrap host:port] [--partitions N]
/// [--no-results]</c>.
/// </summary>
internal sealed record YsbOptions
{
    /// <summary>YSB's published loads.</summary>
    public static readonly long[] PublishedLoads = [50_000, 90_000, 130_000, 170_000];

    public bool Quick { get; init; }

    /// <summary>How long the generator emits at each load.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A first, unreported load at 20,000 events/s that runs the topology's code before anything is measured.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The loads at the one-second flush; after the last, loads keep rising by <see cref="Step"/> until the topology falls behind.</summary>
    public long[] Loads { get; init; } = PublishedLoads;

    /// <summary>Whether to keep raising the load past <see cref="Loads"/>.</summary>
    public bool StepUp { get; init; } = true;

    public long Step { get; init; } = 40_000;

    /// <summary>The highest load tried.</summary>
    public long MaxLoad { get; init; } = 410_000;

    /// <summary>The loads run again with the 100 ms flush.</summary>
    public long[] FastFlushLoads { get; init; } = PublishedLoads;

    /// <summary>The loads run on the one-supervisor cluster (one-second flush); none skips the cluster.</summary>
    public long[] ClusterLoads { get; init; } = PublishedLoads;

    /// <summary>A Kafka broker to use instead of the embedded one.</summary>
    public string? Bootstrap { get; init; }

    /// <summary>Partitions of <c>ad-events</c> when it is created on a real broker; the embedded broker makes it with its own default (4).</summary>
    public int Partitions { get; init; } = 4;

    public bool WriteResults { get; init; } = true;

    /// <summary>Spout tuples in flight per spout task.</summary>
    public int MaxSpoutPending { get; init; } = 50_000;

    /// <summary>Kafka spout tasks.</summary>
    public int Spouts { get; init; } = 2;

    public static YsbOptions Parse(string[] args)
    {
        var o = new YsbOptions();
        if (args.Contains("--quick"))
        {
            o = o with { Quick = true, Duration = TimeSpan.FromSeconds(25), Warmup = TimeSpan.FromSeconds(10), Loads = [50_000, 130_000], StepUp = false, FastFlushLoads = [130_000], ClusterLoads = [50_000] };
        }

        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--quick":
                    break;
                case "--seconds":
                    o = o with { Duration = TimeSpan.FromSeconds(int.Parse(Value(), CultureInfo.InvariantCulture)) };
                    break;
                case "--loads":
                    o = o with { Loads = [.. Value().Split(",", StringSplitOptions.RemoveEmptyEntries).Select(s => long.Parse(s, CultureInfo.InvariantCulture))], StepUp = false };
                    break;
                case "--fast-flush-loads":
                    o = o with { FastFlushLoads = [.. Value().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => long.Parse(s, CultureInfo.InvariantCulture))] };
                    break;
                case "--cluster-loads":
                    o = o with { ClusterLoads = [.. Value().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => long.Parse(s, CultureInfo.InvariantCulture))] };
                    break;
                case "--bootstrap":
                    o = o with { Bootstrap = Value() };
                    break;
                case "--partitions":
                    o = o with { Partitions = int.Parse(Value(), CultureInfo.InvariantCulture) };
                    break;
                case "--max-spout-pending":
                    o = o with { MaxSpoutPending = int.Parse(Value(), CultureInfo.InvariantCulture) };
                    break;
                case "--spouts":
                    o = o with { Spouts = int.Parse(Value(), CultureInfo.InvariantCulture) };
                    break;
                case "--warmup":
                    o = o with { Warmup = TimeSpan.FromSeconds(int.Parse(Value(), CultureInfo.InvariantCulture)) };
                    break;
                case "--no-results":
                    o = o with { WriteResults = false };
                    break;
                default:
                    throw new ArgumentException($"benchmarks/run ysb: unknown option '{args[i]}' (--quick, --seconds N, --loads a,b,c, --fast-flush-loads a,b, --cluster-loads a,b, --bootstrap host:port, --partitions N, --max-spout-pending N, --spouts N, --warmup S, --no-results)");
            }
        }

        return o;
    }
}
