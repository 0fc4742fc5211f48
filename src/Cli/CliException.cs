namespace StormSharp.Cli;

/// <summary>
/// A problem the command reports as one line and an exit code, without a stack trace: bad input is the user's to fix.
/// </summary>
internal sealed class CliException(string message, int exitCode, string? usage = null) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    /// <summary>The usage line shown after the message, for mistakes in the command line itself; null for none.</summary>
    public string? UsageLine { get; } = usage;

    /// <summary>A mistake in the command line: exit code 2, followed by <paramref name="usage"/> (default: the general one).</summary>
    public static CliException Usage(string message, string? usage = null) => new(message, ExitCodes.Usage, usage ?? StormCommand.UsageLine);

    /// <summary>Input that names something unusable (a path, a type): exit code 2.</summary>
    public static CliException BadInput(string message) => new(message, ExitCodes.Usage);

    /// <summary>Something failed while running: exit code 1.</summary>
    public static CliException Failed(string message) => new(message, ExitCodes.Failure);
}
