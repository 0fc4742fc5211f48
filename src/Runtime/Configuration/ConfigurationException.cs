namespace StormSharp.Runtime.Configuration;

/// <summary>
/// Configuration a daemon cannot start with: every problem found, each naming its key, in one exception so an
/// operator fixes storm.yaml in one pass rather than one restart per mistake.
/// </summary>
internal sealed class ConfigurationException : ArgumentException
{
    public ConfigurationException(IReadOnlyList<string> problems)
        : base(Describe(problems)) => Problems = problems;

    /// <summary>One line per problem, e.g. "configuration 'nimbus.thrift.port' must be an integer, not 'abc'".</summary>
    public IReadOnlyList<string> Problems { get; }

    private static string Describe(IReadOnlyList<string> problems) =>
        problems.Count == 1 ? problems[0] : $"{problems.Count} configuration problems:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", problems);
}
