using StormSharp.Topology;

namespace StormSharp.Flux;

/// <summary>What a Flux file defines: the topology's name, its configuration and its graph.</summary>
public sealed record FluxTopology(string Name, Config Config, StormTopology Topology);
