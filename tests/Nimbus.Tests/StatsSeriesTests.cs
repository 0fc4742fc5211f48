using StormSharp.Cluster.Rpc;
using StormSharp.Nimbus.Internal;
using StormSharp.Runtime.Stats;

namespace StormSharp.Nimbus.Tests;

/// <summary>The per-second series Nimbus derives from heartbeats for the UI's charts.</summary>
public sealed class StatsSeriesTests
{
    private const long Start = 1_800_000_000_000;

    [Fact]
    public void Record_ConsecutiveBeats_GivesRatesLatenciesCapacityAndP99PerSecond()
    {
        var series = new StatsSeries();
        series.Record(Beat(Start, emitted: 100, acked: 100, completeTotalMs: 500, buckets: Buckets((LatencyBuckets.Of(Ticks(5)), 100))), Start);
        // Two seconds later: 400 more emitted and acked, 8 ms each on average; 2% of them took 150 ms.
        series.Record(Beat(Start + 2000, emitted: 500, acked: 500, completeTotalMs: 500 + (400 * 8), buckets: Buckets((LatencyBuckets.Of(Ticks(5)), 100 + 392), (LatencyBuckets.Of(Ticks(150)), 8))), Start + 2000);

        var s = Assert.Single(series.Query("t-1", 0, Start + 3000).Executors);
        Assert.Equal([Start + 2000], s.TimeMs);
        Assert.Equal(200, s.Emitted[0]);
        Assert.Equal(200, s.Acked[0]);
        Assert.Equal(8, s.CompleteLatencyMs[0], 6);
        Assert.InRange(s.LatencyP99Ms[0], 150 * 0.99, 150 * 1.2);
        Assert.Equal("spout", s.Component);
        Assert.Equal(("127.0.0.1", 6700), (s.Host, s.Port));
    }

    [Fact]
    public void Record_CountersGoingBack_TakesTheBeatAsANewBaselineInsteadOfANegativeRate()
    {
        var series = new StatsSeries();
        series.Record(Beat(Start, emitted: 1000, acked: 1000), Start);
        series.Record(Beat(Start + 1000, emitted: 10, acked: 10), Start + 1000);
        series.Record(Beat(Start + 2000, emitted: 60, acked: 60), Start + 2000);

        var s = Assert.Single(series.Query("t-1", 0, Start + 3000).Executors);
        Assert.Equal([50.0], s.Emitted);
    }

    [Fact]
    public void Record_ForAnHour_KeepsAtMostFifteenMinutesPerExecutorAndForgetsSilentTopologies()
    {
        var series = new StatsSeries();
        for (var i = 0; i <= 3600; i++)
        {
            series.Record(Beat(Start + (i * 1000L), emitted: i * 10, acked: i * 10), Start + (i * 1000L));
        }

        var now = Start + 3_600_000;
        var s = Assert.Single(series.Query("t-1", 0, now).Executors);
        Assert.InRange(s.TimeMs.Count, 890, StatsSeries.Capacity);
        Assert.True(s.TimeMs[0] >= now - (long)StatsSeries.Keep.TotalMilliseconds, "points older than 15 minutes are dropped");
        Assert.All(s.Emitted, r => Assert.Equal(10, r));
        Assert.Equal(now, s.TimeMs[^1]);
        Assert.Empty(series.Query("t-1", now, now).Executors.Single().TimeMs);

        // Another topology's beats, 16 minutes on, sweep the silent one away.
        series.Record(Beat(now + 960_000, emitted: 1, acked: 1, topology: "t-2"), now + 960_000);
        Assert.Empty(series.Query("t-1", 0, now + 960_000).Executors);
    }

    private static long Ticks(double ms) => (long)(ms * System.Diagnostics.Stopwatch.Frequency / 1000);

    private static long[] Buckets(params (int Bucket, long Count)[] counts)
    {
        var b = new long[LatencyBuckets.Count];
        foreach (var (bucket, count) in counts)
        {
            b[bucket] += count;
        }

        return b;
    }

    private static WorkerHeartbeat Beat(long timeMs, long emitted, long acked, double completeTotalMs = 0, long[]? buckets = null, string topology = "t-1")
    {
        var e = new Cluster.Rpc.ExecutorStats
        {
            Component = "spout",
            FirstTask = 1,
            LastTask = 1,
            Spout = true,
            Emitted = emitted,
            Transferred = emitted,
            Acked = acked,
            CompleteLatencyTotalMs = completeTotalMs,
        };
        e.AckLatencyBuckets.Add(buckets ?? new long[LatencyBuckets.Count]);
        var beat = new WorkerHeartbeat { TopologyId = topology, SupervisorId = "s", Host = "127.0.0.1", Port = 6700, TimeMs = timeMs };
        beat.Executors.Add(e);
        return beat;
    }
}
