using StormSharp.Cluster.Rpc;

namespace StormSharp.Ui.Internal;

/// <summary>
/// Sums of stream stats over one window, from the executors' heartbeats: counts exact, latencies weighted by their
/// counts (complete and process latency by acks, execute latency by executes), as Storm aggregates them.
/// </summary>
internal sealed class WindowTotals
{
    private double _complete;
    private double _process;
    private double _execute;

    public long Emitted { get; private set; }

    public long Transferred { get; private set; }

    public long Acked { get; private set; }

    public long Failed { get; private set; }

    public long Executed { get; private set; }

    public double CompleteLatencyMs => Acked == 0 ? 0 : _complete / Acked;

    public double ProcessLatencyMs => Acked == 0 ? 0 : _process / Acked;

    public double ExecuteLatencyMs => Executed == 0 ? 0 : _execute / Executed;

    /// <summary>Whether the stream counts when system streams are hidden: not "__ack_init", not "__acker:__ack_ack".</summary>
    public static bool Visible(StreamWindowStats s, bool sys)
    {
        if (sys)
        {
            return true;
        }

        var colon = s.Input ? s.Stream.IndexOf(':', StringComparison.Ordinal) : -1;
        return colon < 0 ? !StormFormat.IsSystemId(s.Stream) : !StormFormat.IsSystemId(s.Stream[..colon]) && !StormFormat.IsSystemId(s.Stream[(colon + 1)..]);
    }

    /// <summary>The totals of <paramref name="executors"/> over <paramref name="window"/>.</summary>
    public static WindowTotals Of(IEnumerable<ExecutorStats> executors, int window, bool sys)
    {
        var t = new WindowTotals();
        foreach (var e in executors)
        {
            foreach (var s in e.Streams)
            {
                if (s.WindowSecs == window && Visible(s, sys))
                {
                    t.Add(s, e.Spout);
                }
            }
        }

        return t;
    }

    public void Add(StreamWindowStats s, bool spout)
    {
        if (!s.Input)
        {
            Emitted += s.Emitted;
            Transferred += s.Transferred;
        }

        // A spout's acks are its trees, on its output streams; a bolt's are its inputs'.
        if (spout != s.Input)
        {
            Acked += s.Acked;
            Failed += s.Failed;
            _complete += s.CompleteLatencyMs * s.Acked;
            _process += s.ProcessLatencyMs * s.Acked;
        }

        Executed += s.Executed;
        _execute += s.ExecuteLatencyMs * s.Executed;
    }
}
