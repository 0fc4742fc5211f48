namespace StormSharp.Runtime.Configuration;

/// <summary>
/// The configuration options Storm's command line accepts before or after the verb: <c>--config FILE</c> (read
/// instead of <c>conf/storm.yaml</c>) and any number of <c>-c key=value</c> (applied last, the later winning),
/// where the value is YAML: <c>-c topology.workers=2</c> is an int, <c>-c nimbus.seeds='["a","b"]'</c> a list,
/// <c>-c x='"5"'</c> a string. Everything after a bare <c>--</c> is left to the program.
/// </summary>
/// <param name="ConfigFile">The <c>--config</c> file, or null.</param>
/// <param name="Overrides">The <c>-c</c> settings in command-line order.</param>
/// <param name="Arguments">The other arguments, in order (the verb and its arguments).</param>
internal sealed record CommandLineConfig(string? ConfigFile, IReadOnlyList<KeyValuePair<string, object?>> Overrides, IReadOnlyList<string> Arguments)
{
    /// <summary>Takes the configuration options out of <paramref name="args"/>; throws <see cref="FormatException"/> for a malformed one.</summary>
    public static CommandLineConfig Parse(IReadOnlyList<string> args)
    {
        string? file = null;
        var overrides = new List<KeyValuePair<string, object?>>();
        var rest = new List<string>();
        var literalFrom = int.MaxValue;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                literalFrom = rest.Count;
                for (i++; i < args.Count; i++)
                {
                    rest.Add(args[i]);
                }

                break;
            }

            if (arg is "-c" or "--config")
            {
                if (i + 1 >= args.Count)
                {
                    throw new FormatException(arg == "-c" ? "option -c needs a key=value after it" : "option --config needs a file after it");
                }

                var value = args[++i];
                if (arg == "-c")
                {
                    overrides.Add(ParseAssignment(value));
                }
                else
                {
                    file = value;
                }

                continue;
            }

            rest.Add(arg);
        }

        return new CommandLineConfig(file, overrides, rest) { LiteralFrom = literalFrom };
    }

    /// <summary>The index in <see cref="Arguments"/> of the first one given after <c>--</c>: from there on, nothing is interpreted.</summary>
    public int LiteralFrom { get; init; } = int.MaxValue;

    /// <summary>Parses <c>key=value</c> with a YAML-typed value; throws <see cref="FormatException"/> naming the option.</summary>
    public static KeyValuePair<string, object?> ParseAssignment(string assignment)
    {
        var eq = assignment.IndexOf('=', StringComparison.Ordinal);
        if (eq < 0)
        {
            throw new FormatException($"-c '{assignment}' must be key=value");
        }

        var key = assignment[..eq].Trim();
        if (key.Length == 0 || key.Any(char.IsWhiteSpace))
        {
            throw new FormatException($"-c '{assignment}' must start with a configuration key, such as topology.workers=2");
        }

        try
        {
            return new(key, ConfigLoader.ParseValue(assignment[(eq + 1)..]));
        }
        catch (FormatException e)
        {
            throw new FormatException($"-c {key}: the value is {e.Message}", e);
        }
    }

    /// <summary>
    /// The defaults, overlaid with the <c>--config</c> file (or <c>storm.yaml</c> found as <see cref="ConfigLoader.Load"/>
    /// finds it), overlaid with the <c>-c</c> settings.
    /// </summary>
    public Dictionary<string, object?> Load()
    {
        if (ConfigFile is not null && !File.Exists(ConfigFile))
        {
            throw new FileNotFoundException($"configuration file '{ConfigFile}' given with --config does not exist", ConfigFile);
        }

        var conf = ConfigLoader.Load(ConfigFile);
        foreach (var (key, value) in Overrides)
        {
            conf[key] = value;
        }

        return conf;
    }
}
