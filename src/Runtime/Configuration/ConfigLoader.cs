using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace StormSharp.Runtime.Configuration;

/// <summary>
/// Reads configuration as Storm does: the engine's defaults, then <c>storm.yaml</c>, then (at submit) the
/// topology's own config. Plain YAML scalars are typed (null, bool, int, long, double); quoted ones stay strings.
/// </summary>
public static class ConfigLoader
{
    /// <summary>The engine's defaults.</summary>
    public static IReadOnlyDictionary<string, object?> Defaults { get; } = LoadDefaults();

    /// <summary>
    /// Defaults overlaid with <paramref name="stormYamlPath"/> when given, else with <c>$STORM_CONF_DIR/storm.yaml</c>
    /// or <c>conf/storm.yaml</c> under the current directory when either exists.
    /// </summary>
    public static Dictionary<string, object?> Load(string? stormYamlPath = null)
    {
        var result = new Dictionary<string, object?>(Defaults, StringComparer.Ordinal);
        var path = stormYamlPath ?? FindStormYaml();
        if (path is not null)
        {
            foreach (var kv in ParseFile(path))
            {
                result[kv.Key] = kv.Value;
            }
        }

        return result;
    }

    /// <summary>Parses one YAML file of top-level keys; throws <see cref="FormatException"/> naming the file and line.</summary>
    public static Dictionary<string, object?> ParseFile(string path)
    {
        using var reader = new StreamReader(path);
        try
        {
            return Parse(reader);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{path}:{e.Message}", e.InnerException ?? e);
        }
    }

    /// <summary>Parses YAML text of top-level keys.</summary>
    public static Dictionary<string, object?> Parse(TextReader reader)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(reader);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new FormatException($"{e.Start.Line}: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            throw new FormatException($"0: not valid YAML: {e.Message}", e);
        }

        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (stream.Documents.Count == 0)
        {
            return result;
        }

        var root = stream.Documents[0].RootNode;
        if (root is YamlScalarNode { Value: null or "" })
        {
            return result;
        }

        if (root is not YamlMappingNode map)
        {
            throw new FormatException($"{root.Start.Line}: configuration must be a mapping of keys to values");
        }

        foreach (var (key, value) in map.Children)
        {
            if (key is not YamlScalarNode scalar)
            {
                throw new FormatException($"{key.Start.Line}: configuration keys must be plain names");
            }

            result[scalar.Value ?? string.Empty] = Convert(value);
        }

        return result;
    }

    /// <summary>
    /// Reads one YAML value (a scalar, <c>[a, b]</c> or <c>{k: v}</c>) typed as <see cref="Parse"/> types values, as
    /// Storm reads a <c>-c key=value</c> override; empty text is null. Throws <see cref="FormatException"/>.
    /// </summary>
    internal static object? ParseValue(string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new FormatException($"not valid YAML: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            throw new FormatException($"not valid YAML: {e.Message}", e);
        }

        return stream.Documents.Count == 0 ? null : Convert(stream.Documents[0].RootNode);
    }

    private static object? Convert(YamlNode node) => node switch
    {
        YamlScalarNode s => Scalar(s),
        YamlSequenceNode seq => seq.Children.Select(Convert).ToList(),
        YamlMappingNode m => m.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value ?? string.Empty, kv => Convert(kv.Value), StringComparer.Ordinal),
        _ => null,
    };

    private static object? Scalar(YamlScalarNode s)
    {
        var v = s.Value;
        if (s.Style is YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted)
        {
            return v;
        }

        if (v is null or "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (v is "true" or "True" or "TRUE")
        {
            return true;
        }

        if (v is "false" or "False" or "FALSE")
        {
            return false;
        }

        if (int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i))
        {
            return i;
        }

        if (long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l))
        {
            return l;
        }

        if (double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            return d;
        }

        return v;
    }

    private static string? FindStormYaml()
    {
        var dir = Environment.GetEnvironmentVariable("STORM_CONF_DIR");
        if (!string.IsNullOrEmpty(dir) && File.Exists(Path.Combine(dir, "storm.yaml")))
        {
            return Path.Combine(dir, "storm.yaml");
        }

        var local = Path.Combine(Directory.GetCurrentDirectory(), "conf", "storm.yaml");
        return File.Exists(local) ? local : null;
    }

    private static Dictionary<string, object?> LoadDefaults()
    {
        using var stream = typeof(ConfigLoader).Assembly.GetManifestResourceStream("StormSharp.Runtime.defaults.yaml")
            ?? throw new InvalidOperationException("the engine's defaults.yaml resource is missing from the build");
        using var reader = new StreamReader(stream);
        return Parse(reader);
    }
}
