namespace StormSharp.Cli;

/// <summary>The exit codes of every verb.</summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Ok = 0;

    /// <summary>The topology program, its build or the engine failed.</summary>
    public const int Failure = 1;

    /// <summary>The command line is wrong, or names something that cannot be used.</summary>
    public const int Usage = 2;
}
