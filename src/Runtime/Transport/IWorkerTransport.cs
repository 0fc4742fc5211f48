using StormSharp.Runtime.Queues;

namespace StormSharp.Runtime.Transport;

/// <summary>
/// How a worker reaches the tasks of other workers of its topology. In-process between the workers of a local
/// cluster; gRPC streams between worker processes in a cluster. Executors only ever see the sinks it returns.
/// </summary>
internal interface IWorkerTransport
{
    /// <summary>A connection from worker <paramref name="from"/> to worker <paramref name="to"/>, owned by one sender thread at a time.</summary>
    ITupleSink Connect(int from, int to);

    /// <summary>How full <paramref name="task"/>'s receive queue is (0..1), as last known; load-aware shuffle reads it.</summary>
    double LoadOfTask(int task);
}
