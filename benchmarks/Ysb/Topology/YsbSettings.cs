using System.Globalization;

namespace StormSharp.Benchmarks.Ysb.Topology;

/// <summary>
/// What the advertising topology is built with, as <c>key=value</c> arguments (how <c>storm jar</c> passes them):
/// <c>bootstrap</c> (Kafka, host:port), <c>redis</c> (host:port), <c>flush.ms</c> (default 1000), <c>group</c>
/// (default <c>storm-benchmark</c>, YSB's), <c>name</c> (default <c>ysb</c>), <c>spouts</c> (default 2),
/// <c>parallelism</c> of each bolt before the processor (default 1), <c>processors</c> (default 2, twice the others
/// as in YSB), <c>ackers</c> (default 1), <c>workers</c> (default 1), <c>max.spout.pending</c> per spout task
/// (default 50000: with a complete latency near half a second, two spout tasks then allow some 200,000 events/s).
/// </summary>
public sealed record YsbSettings
{
    /// <summary>Kafka's bootstrap servers.</summary>
    public required string Bootstrap { get; init; }

    /// <summary>Redis's host:port.</summary>
    public required string Redis { get; init; }

    /// <summary>How often the campaign processors write their windows, in milliseconds.</summary>
    public int FlushMillis { get; init; } = 1000;

    /// <summary>The spout's consumer group.</summary>
    public string Group { get; init; } = "storm-benchmark";

    /// <summary>The topology's name.</summary>
    public string Name { get; init; } = "ysb";

    /// <summary>Kafka spout tasks.</summary>
    public int Spouts { get; init; } = 2;

    /// <summary>Tasks of the deserializer, the filter, the projection and the join each.</summary>
    public int Parallelism { get; init; } = 1;

    /// <summary>Campaign processor tasks.</summary>
    public int Processors { get; init; } = 2;

    /// <summary>Acker executors.</summary>
    public int Ackers { get; init; } = 1;

    /// <summary>Worker processes (cluster only).</summary>
    public int Workers { get; init; } = 1;

    /// <summary>Spout tuples in flight per spout task.</summary>
    public int MaxSpoutPending { get; init; } = 50_000;

    /// <summary>Parses <c>key=value</c> arguments; an unknown key or a bad value throws naming it.</summary>
    public static YsbSettings Parse(IEnumerable<string> args)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var a in args)
        {
            var eq = a.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new ArgumentException($"expected key=value, got '{a}'", nameof(args));
            }

            map[a[..eq]] = a[(eq + 1)..];
        }

        string Take(string key, string? fallback)
        {
            if (map.Remove(key, out var v))
            {
                return v;
            }

            return fallback ?? throw new ArgumentException($"the YSB topology needs {key}=...", nameof(args));
        }

        int Int(string key, int fallback)
        {
            var text = Take(key, fallback.ToString(CultureInfo.InvariantCulture));
            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= (key == "ackers" ? 0 : 1)
                ? n
                : throw new ArgumentException($"{key} must be a whole number{(key == "ackers" ? string.Empty : " of at least 1")}, got '{text}'", nameof(args));
        }

        var settings = new YsbSettings
        {
            Bootstrap = Take("bootstrap", null),
            Redis = Take("redis", null),
            FlushMillis = Int("flush.ms", 1000),
            Group = Take("group", "storm-benchmark"),
            Name = Take("name", "ysb"),
            Spouts = Int("spouts", 2),
            Parallelism = Int("parallelism", 1),
            Processors = Int("processors", 2),
            Ackers = Int("ackers", 1),
            Workers = Int("workers", 1),
            MaxSpoutPending = Int("max.spout.pending", 50_000),
        };
        if (map.Count > 0)
        {
            throw new ArgumentException($"unknown YSB topology setting(s): {string.Join(", ", map.Keys)}", nameof(args));
        }

        return settings;
    }

    /// <summary>These settings as the arguments <see cref="Parse"/> reads.</summary>
    public string[] ToArgs() =>
    [
        $"bootstrap={Bootstrap}",
        $"redis={Redis}",
        string.Create(CultureInfo.InvariantCulture, $"flush.ms={FlushMillis}"),
        $"group={Group}",
        $"name={Name}",
        string.Create(CultureInfo.InvariantCulture, $"spouts={Spouts}"),
        string.Create(CultureInfo.InvariantCulture, $"parallelism={Parallelism}"),
        string.Create(CultureInfo.InvariantCulture, $"processors={Processors}"),
        string.Create(CultureInfo.InvariantCulture, $"ackers={Ackers}"),
        string.Create(CultureInfo.InvariantCulture, $"workers={Workers}"),
        string.Create(CultureInfo.InvariantCulture, $"max.spout.pending={MaxSpoutPending}"),
    ];
}
