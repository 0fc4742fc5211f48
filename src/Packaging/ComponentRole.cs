namespace StormSharp.Packaging;

/// <summary>What a type named in a topology must be, and so which interface it must implement.</summary>
public enum ComponentRole
{
    /// <summary>Implements <see cref="Topology.ISpout"/>.</summary>
    Spout,

    /// <summary>Implements <see cref="Topology.IRichBolt"/> or <see cref="Topology.IBasicBolt"/>.</summary>
    Bolt,

    /// <summary>Implements <see cref="Topology.ICustomStreamGrouping"/>.</summary>
    CustomGrouping,
}
