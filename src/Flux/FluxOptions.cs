namespace StormSharp.Flux;

/// <summary>How a Flux file is read: Storm's <c>--filter</c> and <c>--env-filter</c>.</summary>
/// <param name="Properties">
/// Values for <c>${name}</c> placeholders (Storm's <c>--filter</c> file), or null for none: then placeholders other
/// than <c>${ENV-...}</c> stay as written.
/// </param>
/// <param name="EnvironmentFilter">Whether <c>${ENV-NAME}</c> is replaced by the environment variable NAME (Storm's <c>--env-filter</c>).</param>
/// <param name="ResourcesDirectory">Where includes marked <c>resource: true</c> are found (the package's <c>resources/</c> folder).</param>
public sealed record FluxOptions(
    IReadOnlyDictionary<string, string>? Properties = null,
    bool EnvironmentFilter = false,
    string? ResourcesDirectory = null)
{
    /// <summary>Reads a Java-style properties file (<c>key=value</c> or <c>key: value</c> lines, <c>#</c> and <c>!</c> comments).</summary>
    /// <exception cref="FluxException">The file cannot be read or has a line that is not a property.</exception>
    public static IReadOnlyDictionary<string, string> ReadProperties(string path)
    {
        string[] lines;
        try
        {
            lines = System.IO.File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FluxException(path, 0, $"cannot read the filter file: {e.Message}", e);
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line[0] is '#' or '!')
            {
                continue;
            }

            var at = line.IndexOfAny(['=', ':']);
            if (at <= 0)
            {
                throw new FluxException(path, i + 1, $"'{line}' is not a property (expected key=value)");
            }

            result[line[..at].Trim()] = line[(at + 1)..].Trim();
        }

        return result;
    }
}
