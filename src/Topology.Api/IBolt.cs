namespace StormSharp.Topology;

/// <summary>
/// A bolt that acks its inputs itself through its <see cref="IOutputCollector"/>. All methods run on the
/// bolt's executor thread. Every input must be acked or failed, or its spout tuple times out.
/// </summary>
public interface IRichBolt : IComponent
{
    /// <summary>Called once when the task starts.</summary>
    void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector);

    /// <summary>Processes one input tuple. An exception fails the tuple and is reported as this component's error.</summary>
    void Execute(ITuple input);

    /// <summary>Called when the task shuts down (not guaranteed when the process is killed).</summary>
    void Cleanup();
}

/// <summary>
/// A bolt whose inputs are acked for it when <see cref="Execute"/> returns, with every emit anchored to the input.
/// Throw <see cref="FailedException"/> to fail the input instead.
/// </summary>
public interface IBasicBolt : IComponent
{
    /// <summary>Called once when the task starts.</summary>
    void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context);

    /// <summary>Processes one input tuple.</summary>
    void Execute(ITuple input, IBasicOutputCollector collector);

    /// <summary>Called when the task shuts down.</summary>
    void Cleanup();
}
