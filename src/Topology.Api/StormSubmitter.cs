namespace StormSharp.Topology;

/// <summary>
/// Submits a topology to the cluster the program runs under: <c>storm local</c> routes it to an in-process
/// cluster, <c>storm jar</c> to Nimbus.
/// </summary>
public static class StormSubmitter
{
    private static volatile ITopologySubmitter? _submitter;

    /// <summary>
    /// Whether the program runs under <c>storm local</c> or <c>storm jar</c> (or a <c>LocalCluster</c> installed as
    /// submitter), so that <see cref="SubmitTopology"/> has somewhere to send topologies. A program started on its own
    /// (<c>dotnet run</c>) can test this and run its topology in a <c>LocalCluster</c> instead.
    /// </summary>
    public static bool HasCluster => _submitter is not null;

    /// <summary>
    /// Validates and submits the topology under <paramref name="name"/>. Throws <see cref="InvalidTopologyException"/>
    /// naming each problem when the topology cannot run, and <see cref="InvalidOperationException"/> when the program
    /// was not started by <c>storm local</c> or <c>storm jar</c>.
    /// </summary>
    public static void SubmitTopology(string name, IDictionary<string, object?> config, StormTopology topology)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(topology);
        var submitter = _submitter ?? throw new InvalidOperationException(
            "StormSubmitter has no cluster to submit to: run the program with `storm local` or `storm jar`, or use LocalCluster directly");
        TopologyValidator.ThrowIfInvalid(name, topology);
        submitter.Submit(name, new Dictionary<string, object?>(config, StringComparer.Ordinal), topology);
    }

    /// <summary>Routes submissions to <paramref name="submitter"/> (null: none); returns the previous one.</summary>
    internal static ITopologySubmitter? Install(ITopologySubmitter? submitter)
    {
        var previous = _submitter;
        _submitter = submitter;
        return previous;
    }
}

/// <summary>Where <see cref="StormSubmitter"/> sends topologies; set by the program that hosts the user's code.</summary>
internal interface ITopologySubmitter
{
    void Submit(string name, IReadOnlyDictionary<string, object?> config, StormTopology topology);
}
