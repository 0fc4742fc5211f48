using StormSharp.Runtime.Queues;

namespace StormSharp.Runtime.Execution;

/// <summary>
/// Where one worker's executors hand each task's tuples: a sink per local executor (its queue) and per lane to
/// each other worker (an outbound path), indexed by task. Immutable: a new assignment builds a new table and the
/// worker swaps it in whole, and each executor adopts it at the start of its next cycle, keeping the batches it has
/// for sinks that are still there. So a worker moved elsewhere changes routes without rebuilding executors.
/// </summary>
internal sealed class RoutingTable(ITupleSink[] sinks, int[] batchSizes, int[] dataSinkOfTask, int[] ackingSinkOfTask)
{
    /// <summary>No routes: what an executor holds until its worker's table is adopted at start.</summary>
    public static RoutingTable Empty { get; } = new([], [], [], []);

    /// <summary>Every sink; an executor keeps its out batches in an array of the same length.</summary>
    public ITupleSink[] Sinks { get; } = sinks;

    /// <summary>Tuples batched per hand-over to each sink.</summary>
    public int[] BatchSizes { get; } = batchSizes;

    /// <summary>Sink index of each task's data tuples (indexed by task id; 0 is unused).</summary>
    public int[] DataSinkOfTask { get; } = dataSinkOfTask;

    /// <summary>Sink index of each task's acker traffic: the same as data for a local task, the acking lane for a remote one.</summary>
    public int[] AckingSinkOfTask { get; } = ackingSinkOfTask;

    public int IndexOf(ITupleSink sink)
    {
        for (var i = 0; i < Sinks.Length; i++)
        {
            if (ReferenceEquals(Sinks[i], sink))
            {
                return i;
            }
        }

        return -1;
    }
}
