namespace StormSharp.Topology;

public sealed partial class Config
{
    /// <summary>
    /// Principals besides the owner (the submitter) who may kill, activate, deactivate and rebalance the topology,
    /// and look at it, when the cluster authenticates its clients. Default empty.
    /// </summary>
    public const string TopologyUsers = "topology.users";

    /// <summary>Principals who may look at the topology (its info, config, errors, charts) but not change it. Default empty.</summary>
    public const string TopologyReadOnlyUsers = "topology.readonly.users";
}
