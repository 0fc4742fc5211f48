using StormSharp.Topology;

namespace StormSharp.Runtime.Tests;

public sealed class AckingTests : ClusterTestBase
{
    [Fact]
    public void Ack_ThreeStagesAMillionIds_EachAckedExactlyOnceNoneFailed()
    {
        const int count = 1_000_000;
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new CountingSpout(Key, count), 1);
        builder.SetBolt("middle", new RecordingBolt(Board.NewKey(), forward: true), 2).ShuffleGrouping("spout");
        builder.SetBolt("last", new RecordingBolt(Board.NewKey()), 2).FieldsGrouping("middle", new Fields("n"));
        var conf = new Config().SetMaxSpoutPending(20_000);
        Cluster.SubmitTopology("million", conf, builder.CreateTopology());

        var record = Board.Of(Key);
        Await.Until(() => record.Acked.Count + record.Failed.Count >= count, TimeSpan.FromMinutes(3),
            () => $"{count} spout tuples acked or failed; so far {record.Acked.Count} acked, {record.Failed.Count} failed");

        Assert.Equal(count, record.Acked.Count);
        Assert.Empty(record.Failed);
        Assert.All(record.Acked.Values, v => Assert.Equal(1, v));
        var spout = Cluster.GetTopologyInfo("million").Component("spout").Total();
        Assert.Equal(count, spout.Acked);
        Assert.Equal(0, spout.Failed);
    }

    [Fact]
    public void Ack_FanOutAndMultiAnchoring_CompletesTreeOnce()
    {
        const int count = 2_000;
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new CountingSpout(Key, count));
        builder.SetBolt("fan", new FanOutBolt(), 2).ShuffleGrouping("spout");
        builder.SetBolt("left", new RecordingBolt(Board.NewKey()), 2).ShuffleGrouping("fan", "left");
        builder.SetBolt("right", new RecordingBolt(Board.NewKey(), forward: true), 2).ShuffleGrouping("fan", "right");
        builder.SetBolt("join", new JoinBolt(), 1).GlobalGrouping("right").GlobalGrouping("left");
        Cluster.SubmitTopology("fan", new Config(), builder.CreateTopology());

        var record = Board.Of(Key);
        Await.Until(() => record.Acked.Count == count, TimeSpan.FromSeconds(60), () => $"{count} acks, have {record.Acked.Count}");
        Assert.Empty(record.Failed);
        Assert.All(record.Acked.Values, v => Assert.Equal(1, v));
    }

    [Fact]
    public void Fail_OneBranchFails_SpoutFailRunsOnceAndNoAck()
    {
        const int count = 1_000;
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new CountingSpout(Key, count));
        builder.SetBolt("fan", new FanOutBolt(), 1).ShuffleGrouping("spout");
        builder.SetBolt("left", new RecordingBolt(Board.NewKey()), 1).ShuffleGrouping("fan", "left");
        builder.SetBolt("right", new FailingBolt(10), 1).ShuffleGrouping("fan", "right");
        Cluster.SubmitTopology("fail", new Config(), builder.CreateTopology());

        var record = Board.Of(Key);
        Await.Until(() => record.Acked.Count + record.Failed.Count == count, TimeSpan.FromSeconds(60),
            () => $"{count} acks or fails, have {record.Acked.Count} + {record.Failed.Count}");
        Assert.Equal(count / 10, record.Failed.Count);
        Assert.All(record.Failed, kv => Assert.Equal(0L, (long)kv.Key % 10));
        Assert.All(record.Failed.Values, v => Assert.Equal(1, v));
        Assert.DoesNotContain(record.Acked.Keys, k => record.Failed.ContainsKey(k));
    }

    [Fact]
    public void Timeout_DroppedTuple_FailsAfterMessageTimeout()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new CountingSpout(Key, 5));
        builder.SetBolt("drop", new DroppingBolt()).ShuffleGrouping("spout");
        var started = DateTime.UtcNow;
        Cluster.SubmitTopology("timeout", new Config().SetMessageTimeoutSecs(1), builder.CreateTopology());

        var record = Board.Of(Key);
        Await.Until(() => record.Failed.Count == 5, TimeSpan.FromSeconds(20), () => $"5 timeouts, have {record.Failed.Count}");
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(1), "tuples failed before their timeout");
        Assert.Empty(record.Acked);
    }

    [Fact]
    public void MaxSpoutPending_SlowBolt_InFlightNeverExceedsBound()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new CountingSpout(Key, 200));
        builder.SetBolt("slow", new SlowBolt(Board.NewKey(), 2)).ShuffleGrouping("spout");
        Cluster.SubmitTopology("pending", new Config().SetMaxSpoutPending(7), builder.CreateTopology());

        var record = Board.Of(Key);
        Await.Until(() => record.Acked.Count == 200, TimeSpan.FromSeconds(30), () => $"200 acks, have {record.Acked.Count}");
        Assert.InRange(record.MaxPendingSeen, 1, 7);
    }

    [Fact]
    public void Ackers_Zero_TrackedTuplesAckedOnEmit()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new CountingSpout(Key, 100));
        builder.SetBolt("drop", new DroppingBolt()).ShuffleGrouping("spout");
        Cluster.SubmitTopology("noackers", new Config().SetNumAckers(0), builder.CreateTopology());

        var record = Board.Of(Key);
        Await.Until(() => record.Acked.Count == 100, TimeSpan.FromSeconds(10), () => $"100 acks, have {record.Acked.Count}");
        Assert.Empty(record.Failed);
        Assert.DoesNotContain(Cluster.GetTopologyInfo("noackers").Components, c => c.Id == Utils.AckerComponentId);
    }

    /// <summary>Anchors every input to the last one it holds, so each emitted tuple has two parents (multi-anchoring).</summary>
    private sealed class JoinBolt : BaseRichBolt
    {
        [NonSerialized]
        private IOutputCollector? _collector;
        [NonSerialized]
        private ITuple? _held;

        public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector) => _collector = collector;

        public override void Execute(ITuple input)
        {
            if (_held is null)
            {
                _held = input;
                return;
            }

            _collector!.Emit(new[] { _held, input }, new Values(input.GetValue(0)));
            _collector!.Ack(_held);
            _collector!.Ack(input);
            _held = null;
        }

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("n"));
    }
}
