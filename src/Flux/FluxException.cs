namespace StormSharp.Flux;

/// <summary>A Flux file that cannot become a topology: the message names the file, the line and the reason.</summary>
public sealed class FluxException : Exception
{
    /// <summary>A mistake at <paramref name="line"/> (1-based; 0 when the file as a whole is wrong) of <paramref name="file"/>.</summary>
    public FluxException(string file, int line, string reason, Exception? inner = null)
        : base(line > 0 ? $"{file}:{line}: {reason}" : $"{file}: {reason}", inner)
    {
        File = file;
        Line = line;
        Reason = reason;
    }

    /// <summary>The Flux file (as it was named).</summary>
    public string File { get; }

    /// <summary>The line of the mistake, from 1; 0 when it is not one line's.</summary>
    public int Line { get; }

    /// <summary>What is wrong, without the file and line.</summary>
    public string Reason { get; }
}
