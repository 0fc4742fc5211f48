using StormSharp.Topology;
using StormSharp.Topology.Windowing;

namespace StormSharp.Runtime.Tests.Windowing;

public sealed class WindowedBoltTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly string _key = Guid.NewGuid().ToString("N");
    private readonly LocalCluster _cluster = new();

    private WindowBoard.Log Log => WindowBoard.Of(_key);

    public void Dispose()
    {
        _cluster.Dispose();
        WindowBoard.Forget(_key);
    }

    [Fact]
    public void CountSlidingWindow_EachWindowIsTheLastLengthTuples_AndOnlyTuplesNoWindowCanHoldAreAcked()
    {
        Run(new RecordingWindowBolt(_key).WithWindow(new BaseWindowedBolt.Count(6), new BaseWindowedBolt.Count(3)), Numbered(30));
        Await.Until(() => Log.Windows().Count == 10 && Log.Acked.Count == 27, Timeout, () => $"10 windows and 27 acks, have {Log.Windows().Count} and {Log.Acked.Count}");

        var windows = Log.Windows();
        long[] previous = [];
        for (var k = 1; k <= 10; k++)
        {
            var end = 3 * k;
            var expected = Range(Math.Max(0, end - 6), end);
            Assert.Equal(expected, windows[k - 1].All);
            Assert.Equal(expected.Except(previous), windows[k - 1].New);
            Assert.Equal(previous.Except(expected), windows[k - 1].Expired);
            Assert.Null(windows[k - 1].Start);
            previous = expected;
        }

        // After the 30th tuple the next window (at the 33rd) holds 27..32: 27, 28 and 29 stay held, the rest are acked.
        Assert.Equal(Range(0, 27), Log.Acked.Keys.Order().ToArray());
        Assert.Empty(Log.Failed);
        AssertNoAckBeforeItsLastWindow();
    }

    [Fact]
    public void CountTumblingWindow_SplitsTheInputIntoConsecutiveWindows_AndAcksEveryTuple()
    {
        Run(new RecordingWindowBolt(_key).WithTumblingWindow(new BaseWindowedBolt.Count(4)), Numbered(12));
        Await.Until(() => Log.Windows().Count == 3 && Log.Acked.Count == 12, Timeout, () => $"3 windows and 12 acks, have {Log.Windows().Count} and {Log.Acked.Count}");

        var windows = Log.Windows();
        for (var k = 0; k < 3; k++)
        {
            Assert.Equal(Range(4 * k, 4 * k + 4), windows[k].All);
            Assert.Equal(windows[k].All, windows[k].New);
            Assert.Equal(k == 0 ? [] : Range(4 * k - 4, 4 * k), windows[k].Expired);
        }

        Assert.Empty(Log.Failed);
        AssertNoAckBeforeItsLastWindow();
    }

    [Fact]
    public void ProcessingTimeTumblingDuration_WindowsPartitionTheInputInOrder()
    {
        Run(new RecordingWindowBolt(_key).WithTumblingWindow(BaseWindowedBolt.Duration.OfMilliseconds(100)), Numbered(50), pauseMs: 5);
        Await.Until(() => Log.Acked.Count == 50, Timeout, () => $"50 acks, have {Log.Acked.Count}");

        var windows = Log.Windows().Where(w => w.All.Length > 0).ToList();
        Assert.Equal(Range(0, 50), windows.SelectMany(w => w.All).ToArray());
        foreach (var w in windows)
        {
            Assert.Equal(w.All, w.New);
            Assert.Equal(w.End - 100, w.Start);
        }

        for (var i = 1; i < windows.Count; i++)
        {
            Assert.True(windows[i].End > windows[i - 1].End, "window ends increase");
        }

        Assert.Empty(Log.Failed);
        AssertNoAckBeforeItsLastWindow();
    }

    [Fact]
    public void ProcessingTimeSlidingDuration_EveryTupleIsAckedOnlyAfterItsWindows()
    {
        Run(
            new RecordingWindowBolt(_key).WithWindow(BaseWindowedBolt.Duration.OfMilliseconds(200), BaseWindowedBolt.Duration.OfMilliseconds(50)),
            Numbered(40),
            pauseMs: 5);
        Await.Until(() => Log.Acked.Count == 40, Timeout, () => $"40 acks, have {Log.Acked.Count}");

        var events = Log.Snapshot();
        foreach (var n in Range(0, 40))
        {
            var ackAt = events.FindIndex(e => e is long l && l == n);
            Assert.True(events.Take(ackAt).OfType<WindowBoard.Fired>().Any(w => w.All.Contains(n)), $"tuple {n} was acked before any window held it");
        }

        Assert.All(Log.Acked.Values, count => Assert.Equal(1, count));
        Assert.Empty(Log.Failed);
        AssertNoAckBeforeItsLastWindow();
    }

    [Fact]
    public void EventTimeSlidingDuration_WithOutOfOrderAndLateTuples_MatchesDirectComputation_AndLateStreamGetsExactlyTheLate()
    {
        const long t0 = 1_000_000;
        const int length = 300, slide = 100, lag = 50;

        // Phase one: 0..99 at t0 + 10 i, neighbours swapped (10 ms out of order, inside the lag).
        var first = Enumerable.Range(0, 100).Select(i => i ^ 1).Select(i => new long[] { i, t0 + (10 * i) }).ToArray();

        // Phase two, once the window ending at t0 + 500 has fired: three tuples behind the watermark, then 30 in time.
        var late = new[] { new long[] { 1000, t0 + 100 }, [1001, t0 + 250], [1002, t0 + 400] };
        var onTime = Enumerable.Range(0, 30).Select(j => new long[] { 2000 + j, t0 + 1000 + (10 * j) }).ToArray();
        var second = late.Concat(onTime).ToArray();

        var bolt = new RecordingWindowBolt(_key)
            .WithWindow(BaseWindowedBolt.Duration.OfMilliseconds(length), BaseWindowedBolt.Duration.OfMilliseconds(slide))
            .WithTimestampField("ts")
            .WithLag(BaseWindowedBolt.Duration.OfMilliseconds(lag))
            .WithWatermarkInterval(BaseWindowedBolt.Duration.OfMilliseconds(20))
            .WithLateTupleStream("late");

        // Direct computation over the tuples that are not late: every window end (a multiple of the slide) up to the
        // final watermark whose window (end - length, end] holds any tuple.
        var inTime = first.Concat(onTime).OrderBy(t => t[1]).ToArray();
        var finalWatermark = inTime.Max(t => t[1]) - lag;
        var expected = new List<(long End, long[] All)>();
        for (var end = t0; end <= finalWatermark; end += slide)
        {
            var all = inTime.Where(t => t[1] > end - length && t[1] <= end).Select(t => t[0]).ToArray();
            if (all.Length > 0)
            {
                expected.Add((end, all));
            }
        }

        Run(bolt, first, second, gateEnd: t0 + 500, withLateRecorder: true);
        Await.Until(
            () => Log.Windows().Count >= expected.Count && Log.Late.Count >= 3,
            Timeout,
            () => $"{expected.Count} windows and 3 late tuples, have {Log.Windows().Count} and {Log.Late.Count}");

        var windows = Log.Windows();
        Assert.Equal(expected.Select(e => e.End), windows.Select(w => w.End));
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].All, windows[i].All);
            Assert.Equal(expected[i].End - length, windows[i].Start);
            var previous = i == 0 ? [] : expected[i - 1].All;
            Assert.Equal(expected[i].All.Except(previous), windows[i].New);
            Assert.Equal(previous.Except(expected[i].All), windows[i].Expired);
        }

        Assert.Equal([1000L, 1001, 1002], Log.Late.Order().ToArray());
        Assert.Empty(Log.Failed);
        AssertNoAckBeforeItsLastWindow();
    }

    [Fact]
    public void Submit_DurationWindowNotShorterThanMessageTimeout_IsRefusedNamingTheNumbers()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("src", new ScriptSpout(_key, Numbered(1), [], long.MinValue, 0));
        builder.SetBolt("win", new RecordingWindowBolt(_key).WithTumblingWindow(BaseWindowedBolt.Duration.OfSeconds(20))).ShuffleGrouping("src");

        var e = Assert.Throws<InvalidTopologyException>(() => _cluster.SubmitTopology("too-long", new Config(), builder.CreateTopology()));
        Assert.Contains("'win'", e.Message, StringComparison.Ordinal);
        Assert.Contains("40000 ms", e.Message, StringComparison.Ordinal);
        Assert.Contains(Config.TopologyMessageTimeoutSecs, e.Message, StringComparison.Ordinal);
        Assert.Contains("30 s", e.Message, StringComparison.Ordinal);

        // The same window fits a longer timeout.
        _cluster.SubmitTopology("long-enough", new Config().SetMessageTimeoutSecs(60), builder.CreateTopology());
        _cluster.KillTopology("long-enough");
    }

    [Fact]
    public void Submit_CountWindowLargerThanMaxSpoutPending_IsRefusedNamingTheNumbers()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("src", new ScriptSpout(_key, Numbered(1), [], long.MinValue, 0));
        builder.SetBolt("win", new RecordingWindowBolt(_key).WithWindow(new BaseWindowedBolt.Count(100), new BaseWindowedBolt.Count(10))).ShuffleGrouping("src");

        var e = Assert.Throws<InvalidTopologyException>(() => _cluster.SubmitTopology("too-many", new Config().SetMaxSpoutPending(50), builder.CreateTopology()));
        Assert.Contains("110 tuples", e.Message, StringComparison.Ordinal);
        Assert.Contains(Config.TopologyMaxSpoutPending, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HeldTuplesStat_IsWhatTheWindowHoldsAtAQuietPoint_AndDropsWhenTheWindowReleasesItsTuples()
    {
        // Nine tuples into tumbling windows of five: the first window fires and releases 0..4, the window holds 5..8.
        // The tenth tuple waits for the test to open the gate (MaxEnd at its highest), then fires and releases the rest.
        var name = "windows-" + _key[..8];
        Run(new RecordingWindowBolt(_key).WithTumblingWindow(new BaseWindowedBolt.Count(5)), Numbered(9), Numbered(10)[9..], gateEnd: long.MaxValue);
        Await.Until(
            () => Interlocked.Read(ref Log.Emitted) == 9 && Log.Acked.Count == 5 && Held(name) == 4,
            Timeout,
            () => $"9 emitted, 5 acked and 4 held; have {Interlocked.Read(ref Log.Emitted)}, {Log.Acked.Count} and {Held(name)}");
        Assert.Equal(Interlocked.Read(ref Log.Emitted) - Log.Acked.Count, Held(name));
        Assert.Null(_cluster.GetTopologyInfo(name).Component("src").HeldTuples);

        Interlocked.Exchange(ref Log.MaxEnd, long.MaxValue);
        Await.Until(
            () => Log.Acked.Count == 10 && Held(name) == 0,
            Timeout,
            () => $"10 acked and none held; have {Log.Acked.Count} and {Held(name)}");
        Assert.Equal(2, Log.Windows().Count);
    }

    private long? Held(string name) => _cluster.GetTopologyInfo(name).Component("win").HeldTuples;

    private void Run(BaseWindowedBolt bolt, long[][] first, long[][]? second = null, long gateEnd = long.MinValue, int pauseMs = 0, bool withLateRecorder = false)
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("src", new ScriptSpout(_key, first, second ?? [], gateEnd, pauseMs));
        builder.SetBolt("win", bolt).ShuffleGrouping("src");
        if (withLateRecorder)
        {
            builder.SetBolt("late", new LateRecorder(_key)).ShuffleGrouping("win", "late");
        }

        _cluster.SubmitTopology("windows-" + _key[..8], new Config(), builder.CreateTopology());
    }

    /// <summary>No tuple is acked while a window still to come holds it: no window after an ack of n contains n.</summary>
    private void AssertNoAckBeforeItsLastWindow()
    {
        var events = Log.Snapshot();
        var acked = new HashSet<long>();
        foreach (var e in events)
        {
            if (e is long n)
            {
                acked.Add(n);
            }
            else if (e is WindowBoard.Fired w)
            {
                Assert.DoesNotContain(w.All, acked.Contains);
            }
        }
    }

    private static long[][] Numbered(int count) => Enumerable.Range(0, count).Select(i => new long[] { i, 0 }).ToArray();

    private static long[] Range(int from, int to) => Enumerable.Range(from, to - from).Select(i => (long)i).ToArray();
}
