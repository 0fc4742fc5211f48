namespace StormSharp.Topology;

/// <summary>A stream of a component: the pair a bolt subscribes to.</summary>
/// <param name="ComponentId">The component that emits the stream.</param>
/// <param name="StreamId">The stream's id; <see cref="Utils.DefaultStreamId"/> when not named.</param>
public readonly record struct GlobalStreamId(string ComponentId, string StreamId)
{
    /// <inheritdoc/>
    public override string ToString() => ComponentId + ":" + StreamId;
}
