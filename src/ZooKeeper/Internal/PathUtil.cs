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

        // One pass, no allocation: this runs for every request.
        var segmentStart = 1;
        for (var i = 1; i <= path.Length; i++)
        {
            if (i == path.Length || path[i] == '/')
            {
                var length = i - segmentStart;
                if (length == 0 && i != path.Length)
                {
                    throw new ArgumentException($"empty segment in path '{path}'", nameof(path));
                }

                var segment = path.AsSpan(segmentStart, length);
                if (segment is "." or "..")
                {
                    throw new ArgumentException($"relative segment in path '{path}'", nameof(path));
                }

                segmentStart = i + 1;
            }
            else if (path[i] == '\0')
            {
                throw new ArgumentException($"NUL character in path '{path}'", nameof(path));
            }
        }
    }

    public static string Parent(string path)
    {
        var i = path.LastIndexOf('/');
        return i <= 0 ? "/" : path[..i];
    }
}
