namespace StormSharp.Topology;

/// <summary>
/// A source of tuples. All methods run on the spout's own executor thread, never concurrently:
/// <see cref="NextTuple"/>, <see cref="Ack"/> and <see cref="Fail"/> should return quickly.
/// </summary>
public interface ISpout : IComponent
{
    /// <summary>Called once when the task starts, before any other call.</summary>
    void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector);

    /// <summary>Called when the task shuts down (not guaranteed when the process is killed).</summary>
    void Close();

    /// <summary>Called when the topology is activated; <see cref="NextTuple"/> is called from then on.</summary>
    void Activate();

    /// <summary>Called when the topology is deactivated; <see cref="NextTuple"/> is not called until reactivation.</summary>
    void Deactivate();

    /// <summary>Emit zero or more tuples. Called in a loop while the topology is active and its downstream has room.</summary>
    void NextTuple();

    /// <summary>The tuple emitted with <paramref name="msgId"/> was fully processed.</summary>
    void Ack(object msgId);

    /// <summary>The tuple emitted with <paramref name="msgId"/> failed or timed out; replay it if it must not be lost.</summary>
    void Fail(object msgId);
}

/// <summary>Storm's name for a spout that declares its outputs; identical to <see cref="ISpout"/>.</summary>
public interface IRichSpout : ISpout
{
}
