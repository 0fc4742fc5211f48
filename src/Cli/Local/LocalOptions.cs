using System.Globalization;

namespace StormSharp.Cli.Local;

/// <summary>
/// The arguments of <c>storm local</c>: what to run, the arguments for it (an optional type name first, resolved
/// once the assembly is loaded), and how long to run it.
/// </summary>
internal sealed record LocalOptions(string Target, IReadOnlyList<string> Arguments, TimeSpan Ttl)
{
    /// <summary>Whether the first of <see cref="Arguments"/> came before <c>--</c>, so that it may name the type to run.</summary>
    public bool FirstMayNameType { get; init; } = true;

    /// <summary>Storm's default for <c>--local-ttl</c>.</summary>
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromSeconds(20);

    internal const string UsageLine = "usage: storm local <project dir | .csproj | .dll> [Type] [args...] [--local-ttl SECONDS]";

    private const string TtlOption = "--local-ttl";

    /// <summary>
    /// Parses <c>&lt;target&gt; [Type] [args...] [--local-ttl SECONDS]</c>. <c>--local-ttl</c> may appear anywhere
    /// before <c>--</c>; everything after <c>--</c> is passed to Main unchanged.
    /// </summary>
    public static LocalOptions Parse(IReadOnlyList<string> args)
    {
        string? target = null;
        TimeSpan? ttl = null;
        var rest = new List<string>();
        var passThrough = false;
        var firstMayNameType = true;
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
                firstMayNameType = rest.Count > 0;
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

        return new LocalOptions(target, rest, ttl ?? DefaultTtl) { FirstMayNameType = firstMayNameType };
    }

    private static TimeSpan ParseTtl(string value)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds < 1)
        {
            throw CliException.Usage($"local: {TtlOption} must be a whole number of seconds, at least 1 (got '{value}')", UsageLine);
        }

        return TimeSpan.FromSeconds(seconds);
    }
}
