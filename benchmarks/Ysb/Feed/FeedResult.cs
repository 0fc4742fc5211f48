namespace StormSharp.Benchmarks.Ysb.Feed;

/// <summary>What the generator did: how much it emitted, how fast, and its own count of views per campaign window.</summary>
public sealed record FeedResult
{
    /// <summary>The rate it was asked for, in events/s.</summary>
    public required long OfferedPerSecond { get; init; }

    /// <summary>Events handed to the producer.</summary>
    public required long Events { get; init; }

    /// <summary>View events among them.</summary>
    public required long Views { get; init; }

    /// <summary>Events the broker did not take (delivery errors, or still queued when the producer was closed).</summary>
    public required long Undelivered { get; init; }

    /// <summary>The first event's time, in milliseconds since the epoch.</summary>
    public required long StartMillis { get; init; }

    /// <summary>When the last event was handed to the producer, in milliseconds since the epoch.</summary>
    public required long EndMillis { get; init; }

    /// <summary>When every event was delivered to the broker, in milliseconds since the epoch.</summary>
    public required long DeliveredMillis { get; init; }

    /// <summary>The most the generator was ever behind its schedule, in milliseconds.</summary>
    public required long MaxBehindMillis { get; init; }

    /// <summary>The generator's own CPU, in seconds, over the run (the broker's too when it is embedded in its process).</summary>
    public double CpuSeconds { get; init; }

    /// <summary>Records the broker had dropped from the start of its partitions when the generator finished, read or not (the embedded broker keeps about 5 MB of each).</summary>
    public long Trimmed { get; init; }

    /// <summary>Views per campaign and window start: [campaign, window start (ms), count].</summary>
    public required IReadOnlyList<WindowCount> Counts { get; init; }

    /// <summary>Events per second it reached, over the time it emitted.</summary>
    public double AchievedPerSecond => Events / Math.Max(0.001, (EndMillis - StartMillis) / 1000.0);
}

/// <summary>One campaign window's count of views.</summary>
public sealed record WindowCount(string Campaign, long Window, long Count);
