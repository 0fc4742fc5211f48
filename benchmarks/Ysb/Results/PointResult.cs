using StormSharp.Benchmarks.Ysb.Feed;

namespace StormSharp.Benchmarks.Ysb.Results;

/// <summary>One load point: what the generator offered and did, what the topology did, and what it cost.</summary>
internal sealed record PointResult
{
    public required string Mode { get; init; }

    public required int FlushMillis { get; init; }

    public required FeedResult Feed { get; init; }

    public required IReadOnlyList<WindowResult> Windows { get; init; }

    /// <summary>When Redis's counts reached the generator's views (or stopped growing), in milliseconds since the epoch.</summary>
    public required long DrainedMillis { get; init; }

    /// <summary>Whether the counts reached the generator's views at all.</summary>
    public required bool Drained { get; init; }

    /// <summary>Cores used over the run, per process (CPU seconds / wall seconds).</summary>
    public required IReadOnlyList<(string Process, double Cores)> Cpu { get; init; }

    public long Offered => Feed.OfferedPerSecond;

    /// <summary>
    /// Events the topology processed per second: the generator's events over the time from the first event until
    /// the last count was in Redis less one flush interval (a count waits for its flush), never less than the
    /// generator's own emitting time.
    /// </summary>
    public double AchievedPerSecond
    {
        get
        {
            var span = Math.Max(Feed.EndMillis - Feed.StartMillis, DrainedMillis - FlushMillis - Feed.StartMillis);
            return Drained ? Feed.Events / Math.Max(0.001, span / 1000.0) : double.NaN;
        }
    }

    /// <summary>Windows that closed while the generator ran, whose latency is YSB's figure.</summary>
    public IReadOnlyList<long> Latencies =>
        [.. Windows.Where(w => w.TimeUpdated is not null && w.Window + Topology.YsbLayout.WindowMillis <= Feed.EndMillis && w.Expected > 0)
            .Select(w => w.LatencyMillis!.Value).Order()];

    public double P50 => YsbStats.Percentile(Latencies, 50);

    public double P90 => YsbStats.Percentile(Latencies, 90);

    public double P99 => YsbStats.Percentile(Latencies, 99);

    public int ExactWindows => Windows.Count(w => w.Exact);

    public bool Exact => Windows.Count > 0 && ExactWindows == Windows.Count;

    /// <summary>Whether the generator reached the offered rate (within 2%): when not, the bound is the generator, the broker or the machine.</summary>
    public bool GeneratorKeptUp => Feed.AchievedPerSecond >= 0.98 * Offered && Feed.Undelivered == 0;

    /// <summary>Whether the topology kept up: every window exact, and the last count in Redis within two flushes and a second of the last event.</summary>
    public bool KeptUp => Drained && Exact && DrainedMillis - Feed.EndMillis <= (2 * FlushMillis) + 1000;
}
