using System.Globalization;

namespace StormSharp.Topology.Windowing;

/// <summary>A windowed bolt's settings as read from its component configuration, and the submit-time checks on them.</summary>
internal sealed record WindowSettings(
    int? LengthCount,
    int? LengthMs,
    int? SlideCount,
    int? SlideMs,
    string? TimestampField,
    int LagMs,
    int WatermarkIntervalMs,
    string? LateTupleStream)
{
    public const int DefaultWatermarkIntervalMs = 1000;

    /// <summary>Whether <paramref name="conf"/> describes a window at all (any length or slide key set).</summary>
    public static bool IsWindowed(IReadOnlyDictionary<string, object?> conf) =>
        conf.ContainsKey(Config.TopologyBoltsWindowLengthCount) || conf.ContainsKey(Config.TopologyBoltsWindowLengthDurationMs)
        || conf.ContainsKey(Config.TopologyBoltsSlidingIntervalCount) || conf.ContainsKey(Config.TopologyBoltsSlidingIntervalDurationMs);

    public static WindowSettings Read(IReadOnlyDictionary<string, object?> conf) => new(
        Int(conf, Config.TopologyBoltsWindowLengthCount),
        Int(conf, Config.TopologyBoltsWindowLengthDurationMs),
        Int(conf, Config.TopologyBoltsSlidingIntervalCount),
        Int(conf, Config.TopologyBoltsSlidingIntervalDurationMs),
        conf.TryGetValue(Config.TopologyBoltsTupleTimestampFieldName, out var f) ? f as string : null,
        Int(conf, Config.TopologyBoltsTupleTimestampMaxLagMs) ?? 0,
        Int(conf, Config.TopologyBoltsWatermarkEventIntervalMs) ?? DefaultWatermarkIntervalMs,
        conf.TryGetValue(Config.TopologyBoltsLateTupleStream, out var s) ? s as string : null);

    /// <summary>
    /// What is wrong with the window of <paramref name="componentId"/> under <paramref name="conf"/> (its merged
    /// configuration), as Storm's WindowedBoltExecutor checks it: a length is given, a duration window (length plus
    /// slide) is shorter than the message timeout, a count window (length plus slide) within max spout pending.
    /// </summary>
    public static IEnumerable<string> Problems(string componentId, IReadOnlyDictionary<string, object?> conf)
    {
        WindowSettings w;
        try
        {
            w = Read(conf);
        }
        catch (FormatException e)
        {
            return [$"component '{componentId}': {e.Message}"];
        }

        var problems = new List<string>();
        if (w.LengthCount is null && w.LengthMs is null)
        {
            problems.Add($"component '{componentId}': window length is not set ('{Config.TopologyBoltsWindowLengthCount}' or '{Config.TopologyBoltsWindowLengthDurationMs}')");
        }

        foreach (var (key, value) in new[]
        {
            (Config.TopologyBoltsWindowLengthCount, w.LengthCount), (Config.TopologyBoltsWindowLengthDurationMs, w.LengthMs),
            (Config.TopologyBoltsSlidingIntervalCount, w.SlideCount), (Config.TopologyBoltsSlidingIntervalDurationMs, w.SlideMs),
            (Config.TopologyBoltsWatermarkEventIntervalMs, (int?)w.WatermarkIntervalMs),
        })
        {
            if (value is <= 0)
            {
                problems.Add($"component '{componentId}': '{key}' must be at least 1, not {value}");
            }
        }

        if (w.LagMs < 0)
        {
            problems.Add($"component '{componentId}': '{Config.TopologyBoltsTupleTimestampMaxLagMs}' must be 0 or more, not {w.LagMs}");
        }

        var timeoutSecs = Int(conf, Config.TopologyMessageTimeoutSecs) ?? 30;
        var duration = (long)(w.LengthMs ?? 0) + (w.SlideMs ?? 0);
        if (duration > 0 && duration >= timeoutSecs * 1000L)
        {
            problems.Add(
                $"component '{componentId}': window duration (length plus slide) of {duration} ms is not shorter than " +
                $"'{Config.TopologyMessageTimeoutSecs}' of {timeoutSecs} s ({timeoutSecs * 1000L} ms): its tuples would time out while the window holds them");
        }

        var maxPending = Int(conf, Config.TopologyMaxSpoutPending);
        var count = (long)(w.LengthCount ?? 0) + (w.SlideCount ?? 0);
        if (maxPending is { } pending && w.LengthCount is not null && count > pending)
        {
            problems.Add(
                $"component '{componentId}': window count (length plus slide) of {count} tuples is more than " +
                $"'{Config.TopologyMaxSpoutPending}' of {pending}: the window could never fill");
        }

        return problems;
    }

    /// <summary>How often the task needs a tick: the time slide, the watermark interval, or a tenth of a time length.</summary>
    public int TickMillis(bool eventTime)
    {
        if (eventTime)
        {
            return Math.Max(1, WatermarkIntervalMs);
        }

        if (SlideMs is { } slide)
        {
            return Math.Max(1, Math.Min(slide, 1000));
        }

        return LengthMs is { } length ? Math.Clamp(length / 10, 10, 1000) : 0;
    }

    internal static int? Int(IReadOnlyDictionary<string, object?> conf, string key)
    {
        if (!conf.TryGetValue(key, out var v) || v is null)
        {
            return null;
        }

        return v switch
        {
            int i => i,
            long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
            short s => s,
            byte b => b,
            double d when d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue => (int)d,
            string str when int.TryParse(str, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) => p,
            _ => throw new FormatException($"'{key}' must be a whole number, not '{v}'"),
        };
    }
}
