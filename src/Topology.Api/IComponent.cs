namespace StormSharp.Topology;

/// <summary>What every spout and bolt has: the streams it declares and its own configuration.</summary>
/// <remarks>
/// A component is shipped to the tasks that run it as its type name and the values of its instance fields.
/// Fields holding things that cannot travel (sockets, clients, delegates, threads) must be marked
/// <see cref="NonSerializedAttribute"/> and created in Open or Prepare; the topology is refused at submit otherwise.
/// </remarks>
public interface IComponent
{
    /// <summary>Declares the streams this component emits.</summary>
    void DeclareOutputFields(IOutputFieldsDeclarer declarer);

    /// <summary>Configuration that applies to this component only (e.g. <c>topology.tick.tuple.freq.secs</c>), or null.</summary>
    IDictionary<string, object?>? GetComponentConfiguration();
}
