namespace StormSharp.Topology;

/// <summary>A topology that cannot run: the message names the component and the problem.</summary>
public sealed class InvalidTopologyException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InvalidTopologyException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a cause.</summary>
    public InvalidTopologyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception from every problem found.</summary>
    public InvalidTopologyException(IReadOnlyList<string> problems)
        : base(problems.Count == 1 ? problems[0] : "the topology has " + problems.Count + " problems:\n- " + string.Join("\n- ", problems))
    {
        Problems = problems;
    }

    /// <summary>Every problem found, one sentence each.</summary>
    public IReadOnlyList<string> Problems { get; } = [];
}
