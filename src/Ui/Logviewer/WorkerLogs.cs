using System.Text;

namespace StormSharp.Ui.Logviewer;

/// <summary>
/// The workers' logs of one host: files under <c>storm.log.dir/workers-artifacts</c>, named as Storm's logviewer names
/// them (<c>&lt;topology-id&gt;/&lt;port&gt;/worker.log</c>). A name that leads anywhere else (<c>..</c>, an absolute
/// path, a link out of the folder) is refused.
/// </summary>
internal sealed class WorkerLogs(string logDir)
{
    public const int MaxLength = 1024 * 1024;

    private readonly string _root = Path.GetFullPath(Path.Combine(logDir, "workers-artifacts"));

    public string Root => _root;

    /// <summary>The file <paramref name="file"/> names; throws <see cref="LogRequestException"/> (400 or 404) naming the problem.</summary>
    public FileInfo Resolve(string? file)
    {
        if (string.IsNullOrWhiteSpace(file))
        {
            throw new LogRequestException(400, "give the log's name, e.g. ?file=<topology-id>/<port>/worker.log");
        }

        if (file.Contains('\0', StringComparison.Ordinal) || Path.IsPathRooted(file) || file.Split('/', '\\').Any(p => p is ".." or "."))
        {
            throw new LogRequestException(400, $"'{file}' is not a worker log's name: give <topology-id>/<port>/<file> under workers-artifacts");
        }

        var full = Path.GetFullPath(Path.Combine(_root, file));
        if (!Inside(full))
        {
            throw new LogRequestException(400, $"'{file}' is outside the workers' log folder");
        }

        var info = new FileInfo(full);
        if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is { } target && !Inside(Path.GetFullPath(target.FullName)))
        {
            throw new LogRequestException(400, $"'{file}' links outside the workers' log folder");
        }

        if (!info.Exists)
        {
            throw new LogRequestException(404, $"no log '{file}' on this host");
        }

        return info;
    }

    /// <summary>
    /// <paramref name="length"/> bytes from <paramref name="start"/> (null: the last <paramref name="length"/>
    /// bytes, a tail), as text; with the file's size so a page can offer the previous and next pages.
    /// </summary>
    public static (long Start, long Size, string Text) Read(FileInfo file, long? start, int length)
    {
        using var s = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var size = s.Length;
        var from = Math.Clamp(start ?? (size - length), 0, size);
        var n = (int)Math.Min(length, size - from);
        var buffer = new byte[n];
        s.Position = from;
        s.ReadExactly(buffer);
        return (from, size, Encoding.UTF8.GetString(buffer));
    }

    /// <summary>Offsets of <paramref name="needle"/> (ordinal, bytes of UTF-8) from <paramref name="startOffset"/>, at most <paramref name="max"/>, with up to 128 bytes either side.</summary>
    public static List<(long Offset, string Before, string Match, string After)> Search(FileInfo file, string needle, long startOffset, int max)
    {
        const int Chunk = 1 << 20;
        const int Context = 128;
        var matches = new List<(long, string, string, string)>();
        var pattern = Encoding.UTF8.GetBytes(needle);
        using var s = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var length = s.Length;
        var buffer = new byte[Context + Chunk + pattern.Length + Context];

        // Each round searches matches starting in [pos, pos + Chunk), reading context and overlap around it.
        for (var pos = Math.Clamp(startOffset, 0, length); pos < length && matches.Count < max; pos += Chunk)
        {
            var readFrom = Math.Max(0, pos - Context);
            s.Position = readFrom;
            var n = s.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            var span = buffer.AsSpan(0, n);
            var first = (int)(pos - readFrom);
            var from = first;
            while (matches.Count < max && from < span.Length)
            {
                var i = span[from..].IndexOf(pattern);
                if (i < 0 || from + i >= first + Chunk)
                {
                    break;
                }

                var at = from + i;
                var before = span[Math.Max(0, at - Context)..at];
                var after = span[(at + pattern.Length)..Math.Min(span.Length, at + pattern.Length + Context)];
                matches.Add((readFrom + at, Encoding.UTF8.GetString(before), needle, Encoding.UTF8.GetString(after)));
                from = at + pattern.Length;
            }
        }

        return matches;
    }

    private bool Inside(string full) => full.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
}

/// <summary>A log request refused, with the HTTP status to answer.</summary>
internal sealed class LogRequestException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
