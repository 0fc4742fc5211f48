using System.Collections;
using System.Globalization;

namespace StormSharp.Runtime.Configuration;

/// <summary>
/// Typed, validated reads of daemon settings that collect every problem instead of stopping at the first. A key
/// absent from the given config falls back to the engine's <see cref="ConfigLoader.Defaults"/>, so callers may
/// pass a partial dictionary and defaults are still stated only in <c>defaults.yaml</c>. A failed read returns
/// a placeholder value; <see cref="ThrowIfProblems"/> must run before any result is used.
/// </summary>
internal sealed class ConfigReader
{
    private readonly IReadOnlyDictionary<string, object?> _conf;
    private readonly List<string> _problems = [];
    private readonly HashSet<string> _failed = new(StringComparer.Ordinal);

    /// <param name="conf">The config, usually <see cref="ConfigLoader.Load"/> with command-line overrides applied.</param>
    /// <param name="baseDirectory">Absolute folder that relative directory settings resolve against (Storm's installation folder).</param>
    public ConfigReader(IReadOnlyDictionary<string, object?> conf, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(conf);
        if (!Path.IsPathFullyQualified(baseDirectory))
        {
            throw new ArgumentException($"the base directory for relative configuration paths must be absolute, not '{baseDirectory}'", nameof(baseDirectory));
        }

        _conf = conf;
        BaseDirectory = baseDirectory;
    }

    public string BaseDirectory { get; }

    public IReadOnlyList<string> Problems => _problems;

    public void ThrowIfProblems()
    {
        if (_problems.Count > 0)
        {
            throw new ConfigurationException([.. _problems]);
        }
    }

    /// <summary>Records a problem with <paramref name="key"/>, once per key: reading a key twice must not report it twice.</summary>
    public void Problem(string key, string what)
    {
        if (_failed.Add(key))
        {
            _problems.Add($"configuration '{key}' {what}");
        }
    }

    public int Int(string key, int min = int.MinValue, int max = int.MaxValue)
    {
        var v = Raw(key);
        if (!TryInt(v, out var i))
        {
            Problem(key, $"must be an integer, not {Describe(v)}");
            return min;
        }

        if (i < min || i > max)
        {
            Problem(key, max == int.MaxValue ? $"must be at least {min}, not {i}" : $"must be from {min} to {max}, not {i}");
            return min;
        }

        return i;
    }

    /// <summary>A port 1-65535; with <paramref name="allowZero"/>, also 0 (bind any free port: tests).</summary>
    public int Port(string key, bool allowZero = false)
    {
        var v = Raw(key);
        if (!TryInt(v, out var port))
        {
            Problem(key, $"must be an integer, not {Describe(v)}");
            return 0;
        }

        if (!IsPort(port) && !(allowZero && port == 0))
        {
            Problem(key, $"must be a port 1-65535{(allowZero ? " (or 0: any free port)" : string.Empty)}, not {port}");
        }

        return port;
    }

    /// <summary>A duration given in whole seconds, at least one.</summary>
    public TimeSpan Seconds(string key) => TimeSpan.FromSeconds(Int(key, min: 1));

    /// <summary>A duration given in whole milliseconds, at least one.</summary>
    public TimeSpan Milliseconds(string key) => TimeSpan.FromMilliseconds(Int(key, min: 1));

    /// <summary>A non-empty list of distinct ports 1-65535.</summary>
    public IReadOnlyList<int> Ports(string key)
    {
        var v = Raw(key);
        var ports = new List<int>();
        if (v is not IList list || list.Count == 0)
        {
            Problem(key, $"must be a non-empty list of ports 1-65535, not {Describe(v)}");
            return ports;
        }

        foreach (var item in list)
        {
            if (!TryInt(item, out var port) || !IsPort(port))
            {
                Problem(key, $"must be a list of ports 1-65535, not {Describe(v)}");
                return [];
            }

            if (ports.Contains(port))
            {
                Problem(key, $"lists port {port} more than once");
                return [];
            }

            ports.Add(port);
        }

        return ports;
    }

    /// <summary>A non-empty list of host names or addresses.</summary>
    public IReadOnlyList<string> Hosts(string key)
    {
        var v = Raw(key);
        var hosts = new List<string>();
        if (v is IList list && list.Count > 0)
        {
            foreach (var item in list)
            {
                if (item is not string s || !IsHost(s))
                {
                    hosts.Clear();
                    break;
                }

                hosts.Add(s);
            }
        }

        if (hosts.Count == 0)
        {
            Problem(key, $"must be a non-empty list of host names, not {Describe(v)}");
        }

        return hosts;
    }

    /// <summary>A host name or address, or null when the key is null.</summary>
    public string? OptionalHost(string key)
    {
        var v = Raw(key);
        if (v is null)
        {
            return null;
        }

        if (v is not string s || !IsHost(s))
        {
            Problem(key, $"must be a host name or null, not {Describe(v)}");
            return null;
        }

        return s;
    }

    /// <summary>A boolean: YAML's true or false.</summary>
    public bool Bool(string key)
    {
        var v = Raw(key);
        if (v is bool b)
        {
            return b;
        }

        Problem(key, $"must be true or false, not {Describe(v)}");
        return false;
    }

    public string? OptionalString(string key)
    {
        var v = Raw(key);
        if (v is null or string)
        {
            return (string?)v;
        }

        Problem(key, $"must be a string or null, not {DescribeValueOf(key, v)}");
        return null;
    }

    public string String(string key)
    {
        var v = Raw(key);
        if (v is string { Length: > 0 } s)
        {
            return s;
        }

        Problem(key, $"must be a non-empty string, not {DescribeValueOf(key, v)}");
        return string.Empty;
    }

    /// <summary>A list of non-empty strings (principals, names); null reads as the empty list.</summary>
    public IReadOnlyList<string> Strings(string key)
    {
        var v = Raw(key);
        if (v is null)
        {
            return [];
        }

        if (v is string one && one.Length > 0)
        {
            return [one];
        }

        if (v is IList list && list.Cast<object?>().All(o => o is string { Length: > 0 }))
        {
            return [.. list.Cast<string>()];
        }

        Problem(key, $"must be a list of non-empty strings, not {Describe(v)}");
        return [];
    }

    /// <summary>The absolute path of a file that exists, or null when the key is null.</summary>
    public string? OptionalFile(string key)
    {
        var s = OptionalString(key);
        if (string.IsNullOrEmpty(s))
        {
            return null;
        }

        var path = s.IndexOf('\0', StringComparison.Ordinal) >= 0 ? null : Path.GetFullPath(s, BaseDirectory);
        if (path is null || !File.Exists(path))
        {
            Problem(key, $"must name a file that exists, not '{s}'");
            return null;
        }

        return path;
    }

    /// <summary>A folder, made absolute against <see cref="BaseDirectory"/> when relative.</summary>
    public string Directory(string key)
    {
        var s = String(key);
        if (s.Length == 0)
        {
            return BaseDirectory;
        }

        if (s.IndexOf('\0', StringComparison.Ordinal) >= 0)
        {
            Problem(key, "must be a path, and paths hold no NUL characters");
            return BaseDirectory;
        }

        return Path.GetFullPath(s, BaseDirectory);
    }

    /// <summary>Like <see cref="Describe"/>, but a secret's value (see <see cref="ConfigRedaction"/>) is masked: problems end up in logs.</summary>
    public static string DescribeValueOf(string key, object? value) =>
        value is not null && ConfigRedaction.IsSecret(key) ? ConfigRedaction.Mask : Describe(value);

    /// <summary>How a value is shown in a problem: strings quoted, lists bracketed, as a user would have typed them.</summary>
    public static string Describe(object? value) => value switch
    {
        null => "null",
        string s => $"'{s}'",
        bool b => b ? "true" : "false",
        IDictionary => "a mapping",
        IList list => "[" + string.Join(", ", list.Cast<object?>().Select(Describe)) + "]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? value.GetType().Name,
    };

    private object? Raw(string key)
    {
        if (_conf.TryGetValue(key, out var v))
        {
            return v;
        }

        if (ConfigLoader.Defaults.TryGetValue(key, out var d))
        {
            return d;
        }

        Problem(key, "is not set, and the engine has no default for it");
        return null;
    }

    private static bool TryInt(object? v, out int result)
    {
        switch (v)
        {
            case int i:
                result = i;
                return true;
            case long l when l is >= int.MinValue and <= int.MaxValue:
                result = (int)l;
                return true;
            case double d when d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue:
                result = (int)d;
                return true;
            case string s when int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p):
                result = p;
                return true;
            default:
                result = 0;
                return false;
        }
    }

    private static bool IsPort(int port) => port is >= 1 and <= 65535;

    private static bool IsHost(string s)
    {
        if (s.Length == 0)
        {
            return false;
        }

        foreach (var c in s)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c is ',' or '/')
            {
                return false;
            }
        }

        return true;
    }
}
