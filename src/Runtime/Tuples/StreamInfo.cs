using StormSharp.Topology;

namespace StormSharp.Runtime.Tuples;

/// <summary>One stream of one component, shared by every tuple on it so that a tuple carries a single reference.</summary>
internal sealed class StreamInfo(string componentId, string streamId, Fields fields, bool direct, int index)
{
    /// <summary>The stream's position in the topology's stream table (stats are kept in arrays by this index).</summary>
    public int Index { get; } = index;

    public string ComponentId { get; } = componentId;

    public string StreamId { get; } = streamId;

    public Fields Fields { get; } = fields;

    public bool Direct { get; } = direct;

    /// <summary>Whether this is one of the acker's streams, whose traffic crosses workers on its own lane.</summary>
    public bool Acking { get; } = componentId == Utils.AckerComponentId;

    public GlobalStreamId GlobalId => new(ComponentId, StreamId);
}
