using StormSharp.Runtime.Stats;
using StormSharp.Topology;

namespace StormSharp.Runtime.Tests;

public sealed class StatsTests : ClusterTestBase
{
    [Fact]
    public void TopologyInfo_AfterRun_ExactCountsPerStreamAndWindow()
    {
        const int count = 5_000;
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new CountingSpout(Key, count, true, "odd", "even"), 2);
        builder.SetBolt("pass", new RecordingBolt(Board.NewKey(), forward: true), 3).ShuffleGrouping("spout", "odd").ShuffleGrouping("spout", "even");
        builder.SetBolt("all", new RecordingBolt(Board.NewKey()), 2).AllGrouping("pass");
        Cluster.SubmitTopology("stats", new Config(), builder.CreateTopology());

        var record = Board.Of(Key);
        Await.Until(() => record.Acked.Count == count, TimeSpan.FromSeconds(30), () => $"{count} acks, have {record.Acked.Count}");
        Await.Until(() => Cluster.GetTopologyInfo("stats").Component("spout").Total().Acked == 2 * count, TimeSpan.FromSeconds(10), "spout stats to count every ack");

        var info = Cluster.GetTopologyInfo("stats");
        Assert.Equal("ACTIVE", info.Status);
        Assert.Equal(["spout", "pass", "all", Utils.AckerComponentId], info.Components.Select(c => c.Id));
        foreach (var window in StatsWindows.All)
        {
            var spout = info.Component("spout");
            var odd = spout.Windows[window].Single(s => s.StreamId == "odd");
            Assert.Equal(count, odd.Emitted);
            Assert.Equal(count, odd.Transferred);
            Assert.Equal(count, odd.Acked);
            Assert.True(odd.CompleteLatencyMs > 0);

            var pass = info.Component("pass");
            Assert.Equal(count, pass.Windows[window].Single(s => s.StreamId == "spout:even").Executed);
            Assert.Equal(count, pass.Windows[window].Single(s => s.StreamId == "spout:even").Acked);
            var passOut = pass.Windows[window].Single(s => s.StreamId == "default");
            Assert.Equal(2 * count, passOut.Emitted);
            Assert.Equal(4 * count, passOut.Transferred); // all grouping to two tasks

            var all = info.Component("all").Total(window);
            Assert.Equal(4 * count, all.Executed);
            Assert.True(all.ExecuteLatencyMs >= 0 && all.ProcessLatencyMs > 0, $"latencies {all}");
        }

        Assert.Equal(2, info.Component("spout").Executors);
        Assert.Equal(3, info.Component("pass").Tasks);
        Assert.InRange(info.Component("pass").Capacity, 0, 1);
        Assert.True(info.Component(Utils.AckerComponentId).Total().Executed >= 2 * count);
    }

    [Fact]
    public void ProcessLatency_AckedAfterExecute_IsTakenFromReceipt()
    {
        const int count = 50;
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new CountingSpout(Key, count));
        builder.SetBolt("later", new AckInNextBolt()).ShuffleGrouping("spout").AddConfiguration(Config.TopologyTickTupleFreqSecs, 1);
        Cluster.SubmitTopology("later", new Config { [Config.TopologyStatsSampleRate] = 1.0 }, builder.CreateTopology());

        Await.Until(() => Board.Of(Key).TotalAcks == count, TimeSpan.FromSeconds(20), () => $"{count} acks, have {Board.Of(Key).TotalAcks}");
        Await.Until(() => Cluster.GetTopologyInfo("later").Component("later").Windows[StatsWindows.AllTime].Single(s => s.StreamId == "spout:default").Acked == count, TimeSpan.FromSeconds(10), "bolt stats to count every ack");
        var fromSpout = Cluster.GetTopologyInfo("later").Component("later").Windows[StatsWindows.AllTime].Single(s => s.StreamId == "spout:default");

        // Every input is acked a millisecond or more after it arrived, in a later execute: all of them timed.
        Assert.True(fromSpout.ProcessLatencyMs >= 1, $"latencies {fromSpout}");
    }

    [Fact]
    public void Total_BoltGettingTickTuples_CountsOnlyUserStreamsAndSystemTotalTheTicks()
    {
        const int count = 20;
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new CountingSpout(Key, count));
        builder.SetBolt("ticked", new RecordingBolt(Board.NewKey())).ShuffleGrouping("spout").AddConfiguration(Config.TopologyTickTupleFreqSecs, 1);
        Cluster.SubmitTopology("ticked", new Config(), builder.CreateTopology());

        Await.Until(() => Board.Of(Key).TotalAcks == count, TimeSpan.FromSeconds(20), () => $"{count} acks, have {Board.Of(Key).TotalAcks}");
        Await.Until(() => Cluster.GetTopologyInfo("ticked").Component("ticked").SystemTotal().Acked >= 1, TimeSpan.FromSeconds(10), "a tick tuple acked");
        var bolt = Cluster.GetTopologyInfo("ticked").Component("ticked");

        Assert.Equal(count, bolt.Total().Acked);
        Assert.Equal(count, bolt.Total().Executed);
        Assert.True(bolt.SystemTotal().Executed >= 1, $"ticks executed: {bolt.SystemTotal()}");
    }

    [Fact]
    public void ExecutorStats_Windows_SubtractSnapshotTakenAWindowAgo()
    {
        var freq = System.Diagnostics.Stopwatch.Frequency;
        var stats = new ExecutorStats(1, 0);
        for (var second = 0; second <= 700; second += 10)
        {
            stats.RecordEmit(0, 1);
            stats.Tick(second * freq);
        }

        var now = 700 * freq;
        var tenMinutes = stats.Window(StatsWindows.TenMinutes, now, out var covered);
        Assert.Equal(60, tenMinutes[ExecutorStats.Emitted]);
        Assert.Equal(600, covered, 1);
        var all = stats.Window(StatsWindows.AllTime, now, out var coveredAll);
        Assert.Equal(71, all[ExecutorStats.Emitted]);
        Assert.Equal(700, coveredAll, 1);
    }
}

/// <summary>Acks each input during the next execute (a tick, for the last one), a millisecond later: never in its own.</summary>
internal sealed class AckInNextBolt : BaseRichBolt
{
    [NonSerialized]
    private IOutputCollector? _collector;

    [NonSerialized]
    private ITuple? _held;

    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector) => _collector = collector;

    public override void Execute(ITuple input)
    {
        Thread.Sleep(1);
        if (_held is not null)
        {
            _collector!.Ack(_held);
        }

        _held = input.SourceStreamId == Utils.TickStreamId ? null : input;
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
    }
}
