namespace StormSharp.Topology;

/// <summary>
/// A grouping of your own: chooses the target tasks of each tuple on one subscribed stream.
/// Shipped to the tasks like a component (type name and instance fields).
/// </summary>
public interface ICustomStreamGrouping
{
    /// <summary>Called once per emitting task before any <see cref="ChooseTasks"/>.</summary>
    /// <param name="context">The emitting task's context.</param>
    /// <param name="stream">The stream being grouped.</param>
    /// <param name="targetTasks">The subscribing component's task ids, ascending.</param>
    void Prepare(TopologyContext context, GlobalStreamId stream, IReadOnlyList<int> targetTasks);

    /// <summary>The tasks (from targetTasks) that receive <paramref name="values"/>; none drops the tuple for this subscriber.</summary>
    IReadOnlyList<int> ChooseTasks(int taskId, IReadOnlyList<object?> values);
}
