using System.Globalization;
using StormSharp.Cli.Flux;

namespace StormSharp.Cli.Local;

/// <summary>
/// The arguments of <c>storm local</c>: what to run, the arguments for it (an optional type name first, resolved
/// once the assembly is loaded), how long to run it, and whether to serve the web UI.
/// </summary>
/// <param name="UiPort">Null: no UI; <see cref="UiPortFromConfig"/>: on <c>ui.port</c>; otherwise that port (0: any free one).</param>
internal sealed record LocalOptions(string Target, IReadOnlyList<string> Arguments, TimeSpan Ttl, int? UiPort = null)
{
    /// <summary>Whether the first of <see cref="Arguments"/> came before <c>--</c>, so that it may name the type to run.</summary>
    public bool FirstMayNameType { get; init; } = true;

    /// <summary>The Flux file to run instead of a Main (<c>--flux FILE [--filter F] [--env-filter]</c>), or null.</summary>
    public FluxArguments? Flux { get; init; }

    /// <summary><see cref="UiPort"/> when <c>--ui</c> names no port: <c>ui.port</c> from the configuration.</summary>
    public const int UiPortFromConfig = -1;

    /// <summary>Storm's default for <c>--local-ttl</c>.</summary>
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromSeconds(20);

    internal const string UsageLine = "usage: storm local <project dir | .csproj | .dll> [Type] [args...] [--local-ttl SECONDS] [--ui [PORT]] [--flux FILE [--filter PROPERTIES] [--env-filter]]";

    private const string TtlOption = "--local-ttl";
    private const string UiOption = "--ui";

    /// <summary>
    /// Parses <c>&lt;target&gt; [Type] [args...] [--local-ttl SECONDS] [--ui [PORT]]</c>. The options may appear
    /// anywhere before <c>--</c>; everything after <c>--</c> is passed to Main unchanged. A number right after
    /// <c>--ui</c> is its port.
    /// </summary>
    public static LocalOptions Parse(IReadOnlyList<string> args)
    {
        string? target = null;
        TimeSpan? ttl = null;
        int? uiPort = null;
        var rest = new List<string>();
        var passThrough = false;
        var firstMayNameType = true;
        var passThroughFrom = int.MaxValue;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (passThrough)
            {
                rest.Add(arg);
                continue;
            }

            if (arg == "--")
            {
                passThrough = true;
                passThroughFrom = rest.Count;
                firstMayNameType = rest.Count > 0;
                continue;
            }

            if (arg == UiOption || arg.StartsWith(UiOption + "=", StringComparison.Ordinal))
            {
                if (uiPort is not null)
                {
                    throw CliException.Usage($"local: {UiOption} is given twice", UsageLine);
                }

                var port = arg.Length > UiOption.Length ? arg[(UiOption.Length + 1)..] : i + 1 < args.Count && args[i + 1].All(char.IsAsciiDigit) ? args[++i] : null;
                uiPort = port is null ? UiPortFromConfig : ParsePort(port);
                continue;
            }

            string? value = null;
            if (arg == TtlOption)
            {
                if (i + 1 >= args.Count)
                {
                    throw CliException.Usage($"local: {TtlOption} needs a number of seconds", UsageLine);
                }

                value = args[++i];
            }
            else if (arg.StartsWith(TtlOption + "=", StringComparison.Ordinal))
            {
                value = arg[(TtlOption.Length + 1)..];
            }

            if (value is not null)
            {
                if (ttl is not null)
                {
                    throw CliException.Usage($"local: {TtlOption} is given twice", UsageLine);
                }

                ttl = ParseTtl(value);
                continue;
            }

            if (target is null)
            {
                if (arg.StartsWith('-'))
                {
                    throw CliException.Usage($"local: unknown option '{arg}' (expected the topology project directory, .csproj or .dll first)", UsageLine);
                }

                target = arg;
                continue;
            }

            rest.Add(arg);
        }

        if (target is null)
        {
            throw CliException.Usage("local: missing the topology project directory, .csproj or .dll", UsageLine);
        }

        var flux = FluxArguments.Extract(rest, "local", UsageLine, 0, passThroughFrom);
        if (flux is not null && rest.Count > 0)
        {
            throw CliException.Usage($"local: with --flux the Flux file defines the topology; no Type or arguments are taken (got '{string.Join(' ', rest)}')", UsageLine);
        }

        return new LocalOptions(target, rest, ttl ?? DefaultTtl, uiPort) { FirstMayNameType = firstMayNameType, Flux = flux };
    }

    private static int ParsePort(string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535
            ? port
            : throw CliException.Usage($"local: {UiOption} takes a port 0-65535 (got '{value}')", UsageLine);

    private static TimeSpan ParseTtl(string value)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds < 1)
        {
            throw CliException.Usage($"local: {TtlOption} must be a whole number of seconds, at least 1 (got '{value}')", UsageLine);
        }

        return TimeSpan.FromSeconds(seconds);
    }
}
