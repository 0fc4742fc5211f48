using System.Globalization;
using StormSharp.Topology;
using StormSharp.Topology.State;
using StormSharp.Topology.Windowing;

namespace StormSharp.Runtime.Tests.Windowing;

public sealed class StatefulWindowedBoltTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly string _key = Guid.NewGuid().ToString("N");
    private readonly string _name;
    private readonly LocalCluster _cluster = new();

    public StatefulWindowedBoltTests()
    {
        _name = "swin-" + _key[..8];
    }

    private StatefulWindowBoard.Log Log => StatefulWindowBoard.Of(_key);

    public void Dispose()
    {
        _cluster.Dispose();
        StatefulWindowBoard.Forget(_key);
        InMemoryStateProvider.Clear(_name);
    }

    [Fact]
    public void PersistentSlidingCountWindow_KilledMidRunAndRecovered_StateAndWindowsAfterRecoveryEqualFaultFree()
    {
        const int n = 1200, length = 10, slide = 4;
        var expected = Expected(n, length, slide);
        _cluster.SubmitTopology(_name, Conf(), Topology(new NumberSpout(_key, n, pauseMs: 1), length, slide));
        Await.Until(
            () => Committed().GetValueOrDefault("fires") >= 20,
            Timeout,
            () => $"a checkpoint with 20 windows committed; have {Committed().GetValueOrDefault("fires")}");

        // Every task torn down at once, mid-run: whatever came after the last commit is lost with it.
        _cluster.KillTopology(_name);
        var emitted = Interlocked.Read(ref Log.Emitted);
        Assert.True(emitted < n, $"the topology was killed mid-run ({emitted} of {n} emitted)");
        var firstRun = Log.Steps().Count;

        _cluster.SubmitTopology(_name, Conf(), Topology(new NumberSpout(_key, n), length, slide));
        Await.Until(
            () => Committed().GetValueOrDefault("fires") == expected.Count,
            Timeout,
            () => $"a checkpoint with all {expected.Count} windows committed; have {Committed().GetValueOrDefault("fires")}");

        AssertStateIs(expected);
        var recovered = Log.Steps().Skip(firstRun).ToList();
        var resumedAt = AssertFiresFollowTheirInit(recovered, expected);
        Assert.True(resumedAt[0] > 0, "the second run started from a checkpoint with windows in it");

        // The spouts rewound to the checkpoint's position, past the tuples the first window after it shares with
        // earlier ones: those came from the checkpointed windows.
        var position = long.Parse(Log.Seeks.Last(), CultureInfo.InvariantCulture);
        var first = recovered.First(s => s.Kind == "fire");
        Assert.Contains(first.Numbers, x => x < position);
        Assert.True(Interlocked.Read(ref Log.Emitted) > n, $"the recovery replayed part of the input ({Interlocked.Read(ref Log.Emitted)} emitted for {n})");
    }

    [Fact]
    public void PersistentTumblingWindow_StraddlingTheKill_FiresAfterRecoveryWithAllItsTuples()
    {
        const int n = 200, length = 40;
        var expected = Expected(n, length, length);

        // The first run emits 0..19, half of the first window, and stops there; it dies once a checkpoint holds them.
        Log.GateAt = 20;
        _cluster.SubmitTopology(_name, Conf(), Topology(new NumberSpout(_key, n), length, length));
        Await.Until(
            () => WindowsCommitted().Held.Count == 20,
            Timeout,
            () => $"a checkpoint whose windows hold 20 tuples; have {WindowsCommitted().Held.Count}");
        Assert.DoesNotContain(Log.Steps(), s => s.Kind == "fire");
        Assert.Equal(20, _cluster.GetTopologyInfo(_name).Component("win").HeldTuples);
        _cluster.KillTopology(_name);

        Interlocked.Exchange(ref Log.GateAt, -1);
        _cluster.SubmitTopology(_name, Conf(), Topology(new NumberSpout(_key, n), length, length));
        Await.Until(
            () => Committed().GetValueOrDefault("fires") == expected.Count,
            Timeout,
            () => $"a checkpoint with all {expected.Count} windows committed; have {Committed().GetValueOrDefault("fires")}");

        Assert.Equal("20", Log.Seeks.Last());
        var fires = Log.Steps().Where(s => s.Kind == "fire").ToList();
        Assert.Equal(Range(0, 40), fires[0].Numbers);
        AssertFiresFollowTheirInit(Log.Steps(), expected);
        AssertStateIs(expected);
    }

    [Fact]
    public void PersistentWindow_ACheckpointThatRollsBack_CommitsNothingOfIt_AndTheResultStaysExact()
    {
        const int n = 1200, length = 10, slide = 4;
        var expected = Expected(n, length, slide);
        Log.FailPrepareAt = 3;
        var builder = new TopologyBuilder();
        builder.SetSpout("src", new NumberSpout(_key, n, pauseMs: 1));
        builder.SetBolt("win", new WindowSumBolt(_key).WithWindow(new BaseWindowedBolt.Count(length), new BaseWindowedBolt.Count(slide)).WithPersistence())
            .ShuffleGrouping("src");
        builder.SetBolt("fails", new FailingPrepareBolt(_key)).ShuffleGrouping("src");
        _cluster.SubmitTopology(_name, Conf(), builder.CreateTopology());

        Await.Until(
            () => Committed().GetValueOrDefault("fires") == expected.Count,
            Timeout,
            () => $"a checkpoint with all {expected.Count} windows committed; have {Committed().GetValueOrDefault("fires")}");

        Assert.Equal(-1, Log.FailPrepareAt);
        var rollback = Assert.Single(Log.Steps(), s => s.Kind == "rollback");
        Assert.True(rollback.Index < 3, $"checkpoint 3 rolled back before the window bolt committed any of it ({rollback.Detail})");
        Assert.Null(WindowsStored().PreparedTxid);
        AssertFiresFollowTheirInit(Log.Steps(), expected);
        AssertStateIs(expected);
    }

    [Fact]
    public void VolatileStatefulWindow_AcksEachTupleOnlyOnceItLeftTheWindows_AndACheckpointCommittedAfter()
    {
        const int n = 20;
        var board = WindowBoard.Of(_key);
        try
        {
            var builder = new TopologyBuilder();
            var numbers = Enumerable.Range(0, n).Select(i => new long[] { i, 0 }).ToArray();
            builder.SetSpout("src", new ScriptSpout(_key, numbers, [], long.MinValue, 0));
            builder.SetBolt("win", new VolatileRecordingBolt(_key).WithTumblingWindow(new BaseWindowedBolt.Count(5))).ShuffleGrouping("src");
            _cluster.SubmitTopology(_name, Conf(), builder.CreateTopology());
            Await.Until(() => board.Acked.Count == n, Timeout, () => $"{n} acks, have {board.Acked.Count}");

            var events = board.Snapshot();
            foreach (var x in Enumerable.Range(0, n).Select(i => (long)i))
            {
                var ackAt = events.FindIndex(e => e is long l && l == x);
                var lastWindow = events.FindLastIndex(ackAt, e => e is WindowBoard.Fired w && w.All.Contains(x));
                Assert.True(lastWindow >= 0, $"tuple {x} was acked before a window held it");
                Assert.DoesNotContain(events.Skip(ackAt), e => e is WindowBoard.Fired w && w.All.Contains(x));
                var commit = events.FindIndex(lastWindow, ackAt - lastWindow, e => e is string c && c.StartsWith("commit", StringComparison.Ordinal));
                Assert.True(commit > lastWindow, $"tuple {x} was acked without a checkpoint committing after its last window");
            }

            Assert.All(board.Acked.Values, count => Assert.Equal(1, count));
            Assert.Empty(board.Failed);
        }
        finally
        {
            WindowBoard.Forget(_key);
        }
    }

    [Fact]
    public void VolatileStatefulWindow_OverACheckpointableSpout_IsRefusedNamingTheBoltAndTheSpout()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("src", new NumberSpout(_key, 10));
        builder.SetBolt("pass", new PassBolt()).ShuffleGrouping("src");
        builder.SetBolt("win", new WindowSumBolt(_key).WithTumblingWindow(new BaseWindowedBolt.Count(5))).ShuffleGrouping("pass");

        var e = Assert.Throws<InvalidTopologyException>(builder.CreateTopology);
        Assert.Contains("component 'win'", e.Message, StringComparison.Ordinal);
        Assert.Contains("checkpointable spout 'src'", e.Message, StringComparison.Ordinal);
        Assert.Contains("WithPersistence()", e.Message, StringComparison.Ordinal);
    }

    private StormTopology Topology(NumberSpout spout, int length, int slide)
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("src", spout);
        builder.SetBolt("win", new WindowSumBolt(_key).WithWindow(new BaseWindowedBolt.Count(length), new BaseWindowedBolt.Count(slide)).WithPersistence())
            .ShuffleGrouping("src");
        return builder.CreateTopology();
    }

    private static Config Conf() => new Config().SetCheckpointIntervalMs(100).SetMaxSpoutPending(100);

    private string WinNamespace() => "win-" + (Log.Tasks.TryGetValue("win", out var t) ? t : -1).ToString(CultureInfo.InvariantCulture);

    private Dictionary<string, long> Committed() => StatefulWindowBoard.Committed(_name, WinNamespace());

    private StoredState WindowsStored() => StatefulWindowBoard.Stored(_name, WinNamespace() + "-window");

    private WindowSnapshot WindowsCommitted() =>
        WindowsStored().Committed.TryGetValue("windows", out var json)
            ? System.Text.Json.JsonSerializer.Deserialize<WindowSnapshot>(json)!
            : new WindowSnapshot([], [], 0, 0, 0, 0, 0, 0, []);

    /// <summary>The committed state is exactly the fault-free one: the number of windows and each window's sum.</summary>
    private void AssertStateIs(List<long[]> expected)
    {
        var state = Committed();
        var want = new Dictionary<string, long>(StringComparer.Ordinal) { ["fires"] = expected.Count };
        for (var k = 0; k < expected.Count; k++)
        {
            want["sum/" + k.ToString(CultureInfo.InvariantCulture)] = expected[k].Sum();
        }

        Assert.Equal(want.OrderBy(kv => kv.Key, StringComparer.Ordinal), state.OrderBy(kv => kv.Key, StringComparer.Ordinal));
    }

    /// <summary>
    /// After every init, which restored k windows, the windows fired are k, k + 1, ... each with exactly the fault-free
    /// contents. Returns each init's k. Between a rollback and the init that follows it, the spouts have not rewound
    /// yet, and what windows fire then is undone by that init: those are not checked here (the final state is).
    /// </summary>
    private static List<long> AssertFiresFollowTheirInit(List<StatefulWindowBoard.Step> steps, List<long[]> expected)
    {
        var inits = new List<long>();
        long next = -1;
        var rolledBack = false;
        foreach (var s in steps)
        {
            switch (s.Kind)
            {
                case "init":
                    inits.Add(s.Index);
                    next = s.Index;
                    rolledBack = false;
                    break;
                case "rollback":
                    rolledBack = true;
                    break;
                case "fire" when rolledBack:
                    break;
                case "fire":
                    Assert.True(next >= 0, "a window fired before the state was handed over");
                    Assert.Equal(next, s.Index);
                    Assert.True(next < expected.Count, $"window {next} fired; there are {expected.Count}");
                    Assert.Equal(expected[(int)next], s.Numbers);
                    next++;
                    break;
            }
        }

        Assert.NotEmpty(inits);
        return inits;
    }

    /// <summary>The fault-free windows of a count window over 0..n-1: window k ends at tuple (k + 1) slide - 1.</summary>
    private static List<long[]> Expected(int n, int length, int slide)
    {
        var windows = new List<long[]>();
        for (var end = slide; end <= n; end += slide)
        {
            windows.Add(Range(Math.Max(0, end - length), end));
        }

        return windows;
    }

    private static long[] Range(int from, int to) => Enumerable.Range(from, to - from).Select(i => (long)i).ToArray();

    private sealed class PassBolt : BaseBasicBolt
    {
        public override void Execute(ITuple input, IBasicOutputCollector collector) => collector.Emit([input.GetValue(0)]);

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("n"));
    }
}
