namespace StormSharp.Packaging.Internal;

/// <summary>
/// The rules an entry name must follow to be unpacked: relative, '/'-separated, no '.' or '..' segments, no
/// drive letters, backslashes or control characters. Refusing these outright is simpler to trust than
/// normalizing them, and a build output folder never needs them.
/// </summary>
internal static class EntryPaths
{
    /// <summary>Why <paramref name="name"/> is unsafe, or null when it is fine.</summary>
    public static string? Problem(string name)
    {
        if (name.Length == 0)
        {
            return "has an empty name";
        }

        if (name[0] == '/' || (name.Length >= 2 && name[1] == ':' && char.IsAsciiLetter(name[0])))
        {
            return "is an absolute path";
        }

        foreach (var c in name)
        {
            if (c == '\\')
            {
                return "contains '\\' (package paths are '/'-separated)";
            }

            if (char.IsControl(c))
            {
                return "contains a control character";
            }
        }

        var body = name.EndsWith('/') ? name[..^1] : name;
        foreach (var segment in body.Split('/'))
        {
            if (segment is "..")
            {
                return "contains '..'";
            }

            if (segment is "" or ".")
            {
                return "contains an empty or '.' segment";
            }
        }

        return null;
    }

    /// <summary>
    /// The full path of <paramref name="name"/> under <paramref name="root"/>, after checking once more that it
    /// stays inside: defense in depth behind <see cref="Problem"/>.
    /// </summary>
    public static string Resolve(string root, string name)
    {
        var rootFull = Path.GetFullPath(root);
        var full = Path.GetFullPath(Path.Combine(rootFull, name));
        var prefix = rootFull.EndsWith(Path.DirectorySeparatorChar) ? rootFull : rootFull + Path.DirectorySeparatorChar;
        if (!full.StartsWith(prefix, StringComparison.Ordinal))
        {
            throw new PackageException($"package entry '{name}' would be written outside the package folder");
        }

        return full;
    }
}
