namespace StormSharp.Topology.Windowing;

/// <summary>
/// A bolt that processes windows of tuples instead of single tuples (Storm's <c>IWindowedBolt</c>). Add it with
/// <see cref="TopologyBuilder.SetBolt(string, IWindowedBolt, int)"/>; its window is described by its component
/// configuration (<see cref="BaseWindowedBolt"/> sets it). The engine acks every input when it has left every window
/// that can hold it, and anchors an unanchored emit to every tuple of the window being executed.
/// </summary>
public interface IWindowedBolt : IComponent
{
    /// <summary>Called once when the task starts.</summary>
    void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector);

    /// <summary>Processes one window; called on the bolt's executor thread each time the window slides.</summary>
    void Execute(TupleWindow window);

    /// <summary>Called when the task shuts down.</summary>
    void Cleanup();

    /// <summary>Extracts event time from tuples, or null for processing time (or a timestamp field).</summary>
    ITimestampExtractor? TimestampExtractor { get; }
}

/// <summary>
/// Reads a tuple's event time, in milliseconds since the epoch. It travels to the tasks with the bolt, so it must hold
/// only values that can be shipped (see <see cref="IComponent"/>).
/// </summary>
public interface ITimestampExtractor
{
    /// <summary>The event time of <paramref name="tuple"/>, in milliseconds.</summary>
    long ExtractTimestamp(ITuple tuple);
}
