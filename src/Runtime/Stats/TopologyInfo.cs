using StormSharp.Topology;

namespace StormSharp.Runtime.Stats;

/// <summary>Counts and average latencies of one stream over one window.</summary>
/// <param name="StreamId">For emitted/transferred: the stream emitted on; for executed/acked/failed of a bolt: the input "component:stream".</param>
/// <param name="Emitted">Tuples emitted.</param>
/// <param name="Transferred">Tuple deliveries to tasks (an emit to three tasks counts three).</param>
/// <param name="Acked">Spout: trees completed; bolt: inputs acked.</param>
/// <param name="Failed">Spout: trees failed or timed out; bolt: inputs failed.</param>
/// <param name="Executed">Bolt: inputs executed.</param>
/// <param name="CompleteLatencyMs">Spout: mean milliseconds from emit to tree completion.</param>
/// <param name="ProcessLatencyMs">Bolt: mean milliseconds from receiving an input to acking it.</param>
/// <param name="ExecuteLatencyMs">Bolt: mean milliseconds spent in Execute.</param>
public sealed record StreamStats(
    string StreamId,
    long Emitted,
    long Transferred,
    long Acked,
    long Failed,
    long Executed,
    double CompleteLatencyMs,
    double ProcessLatencyMs,
    double ExecuteLatencyMs);

/// <summary>An error a component reported or a bolt threw.</summary>
/// <param name="Time">When it happened.</param>
/// <param name="Task">The task.</param>
/// <param name="Message">The exception type and message.</param>
/// <param name="Details">The full exception text.</param>
public sealed record ErrorInfo(DateTimeOffset Time, int Task, string Message, string Details);

/// <summary>A component's stats.</summary>
/// <param name="Id">The component id.</param>
/// <param name="IsSpout">Spout or bolt.</param>
/// <param name="Executors">Executors running it.</param>
/// <param name="Tasks">Its tasks.</param>
/// <param name="Windows">Per window (seconds; 0 for all time), per stream.</param>
/// <param name="Capacity">Bolt: the busiest executor's fraction of the last 10 minutes spent executing (1 = saturated).</param>
/// <param name="Errors">The last errors, newest last.</param>
/// <param name="HeldTuples">Windowed bolt: the tuples its windows hold now, over all its tasks; null for other components.</param>
public sealed record ComponentInfo(
    string Id,
    bool IsSpout,
    int Executors,
    int Tasks,
    IReadOnlyDictionary<int, IReadOnlyList<StreamStats>> Windows,
    double Capacity,
    IReadOnlyList<ErrorInfo> Errors,
    long? HeldTuples = null)
{
    /// <summary>
    /// The sum over the component's own streams for one window (latencies weighted by their counts). System streams
    /// (ids starting with <c>__</c>, such as tick tuples from <c>__system:__tick</c>) are left out, as Storm's UI
    /// leaves them out until its system toggle is on: see <see cref="SystemTotal"/>. For the acker and the other
    /// system components, whose streams are all system streams, the sum is over everything.
    /// </summary>
    public StreamStats Total(int window = StatsWindows.AllTime) => Sum(window, Utils.IsReservedId(Id) ? null : false);

    /// <summary>The sum over the system streams only (tick tuples, for one): what <see cref="Total"/> leaves out.</summary>
    public StreamStats SystemTotal(int window = StatsWindows.AllTime) => Sum(window, true);

    /// <summary>Whether <paramref name="streamId"/> (a stream, or an input as "component:stream") is a system stream.</summary>
    public static bool IsSystemStream(string streamId)
    {
        var colon = streamId.IndexOf(':', StringComparison.Ordinal);
        return Utils.IsReservedId(streamId) || colon >= 0 && Utils.IsReservedId(streamId[(colon + 1)..]);
    }

    private StreamStats Sum(int window, bool? system)
    {
        long emitted = 0, transferred = 0, acked = 0, failed = 0, executed = 0;
        double complete = 0, process = 0, execute = 0;
        foreach (var s in Windows[window])
        {
            if (system is { } wanted && IsSystemStream(s.StreamId) != wanted)
            {
                continue;
            }

            emitted += s.Emitted;
            transferred += s.Transferred;
            acked += s.Acked;
            failed += s.Failed;
            executed += s.Executed;
            complete += s.CompleteLatencyMs * s.Acked;
            process += s.ProcessLatencyMs * s.Acked;
            execute += s.ExecuteLatencyMs * s.Executed;
        }

        return new StreamStats(
            "*", emitted, transferred, acked, failed, executed,
            acked == 0 ? 0 : complete / acked, acked == 0 ? 0 : process / acked, executed == 0 ? 0 : execute / executed);
    }
}

/// <summary>A running topology's summary and stats.</summary>
/// <param name="Id">The topology id (name plus a unique suffix).</param>
/// <param name="Name">The name it was submitted under.</param>
/// <param name="Status">ACTIVE, INACTIVE or KILLED.</param>
/// <param name="Uptime">Time since it started.</param>
/// <param name="Workers">Worker count.</param>
/// <param name="Executors">Executor count, acker included.</param>
/// <param name="Tasks">Task count, acker included.</param>
/// <param name="Components">Every component, spouts first, then bolts, then the acker.</param>
public sealed record TopologyInfo(
    string Id,
    string Name,
    string Status,
    TimeSpan Uptime,
    int Workers,
    int Executors,
    int Tasks,
    IReadOnlyList<ComponentInfo> Components)
{
    /// <summary>The component named <paramref name="id"/>; throws naming it when absent.</summary>
    public ComponentInfo Component(string id) =>
        Components.FirstOrDefault(c => c.Id == id) ?? throw new KeyNotFoundException($"topology '{Name}' has no component '{id}'");
}
