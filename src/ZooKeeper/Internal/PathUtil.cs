namespace StormSharp.ZooKeeper.Internal;

internal static class PathUtil
{
    /// <summary>Rejects paths the server would refuse, so the caller learns why locally.</summary>
    public static void Validate(string path, bool sequential)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0 || path[0] != '/')
        {
            throw new ArgumentException($"path '{path}' must start with /", nameof(path));
        }

        if (path.Length == 1)
        {
            return;
        }

        // A sequential create may end in '/': the server appends the counter.
        if (path[^1] == '/' && !sequential)
        {
            throw new ArgumentException($"path '{path}' must not end with /", nameof(path));
        }

        for (var i = 1; i < path.Length; i++)
        {
            var c = path[i];
            if (c == '\0' || (c == '/' && path[i - 1] == '/'))
            {
                throw new ArgumentException($"invalid path '{path}'", nameof(path));
            }
        }

        foreach (var segment in path.Split('/'))
        {
            if (segment is "." or "..")
            {
                throw new ArgumentException($"relative segment in path '{path}'", nameof(path));
            }
        }
    }

    public static string Parent(string path)
    {
        var i = path.LastIndexOf('/');
        return i <= 0 ? "/" : path[..i];
    }
}
