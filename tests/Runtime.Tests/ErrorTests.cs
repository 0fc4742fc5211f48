using StormSharp.Topology;

namespace StormSharp.Runtime.Tests;

public sealed class ErrorTests : ClusterTestBase
{
    [Fact]
    public void Execute_BoltThrows_TupleFailedErrorReportedTopologyGoesOn()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new CountingSpout(Key, 1_000));
        builder.SetBolt("thrower", new ThrowingBolt(OtherKey, 100), 2).ShuffleGrouping("spout");
        builder.SetBolt("sink", new RecordingBolt(Board.NewKey())).ShuffleGrouping("thrower");
        Cluster.SubmitTopology("errors", new Config(), builder.CreateTopology());

        var spout = Board.Of(Key);
        Await.Until(() => spout.Acked.Count + spout.Failed.Count == 1_000, TimeSpan.FromSeconds(30),
            () => $"1000 acks or fails, have {spout.Acked.Count} + {spout.Failed.Count}");
        Assert.Equal(10, spout.Failed.Count);
        Assert.Equal(990, spout.Acked.Count);
        Assert.Equal(990, Board.Of(OtherKey).Executed);

        var thrower = Cluster.GetTopologyInfo("errors").Component("thrower");
        Assert.NotEmpty(thrower.Errors);
        Assert.All(thrower.Errors, e => Assert.StartsWith("InvalidOperationException: boom on ", e.Message, StringComparison.Ordinal));
        Assert.Equal(10, thrower.Total().Failed);
        Assert.Equal(990, thrower.Total().Acked);
    }

    [Fact]
    public void Open_SpoutThrows_ErrorReportedOtherComponentsRun()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("broken", new ThrowingOpenSpout());
        builder.SetSpout("spout", new CountingSpout(Key, 100));
        builder.SetBolt("sink", new RecordingBolt(OtherKey)).ShuffleGrouping("spout").ShuffleGrouping("broken");
        Cluster.SubmitTopology("open", new Config(), builder.CreateTopology());

        var spout = Board.Of(Key);
        Await.Until(() => spout.Acked.Count == 100, TimeSpan.FromSeconds(30), () => $"100 acks, have {spout.Acked.Count}");
        Await.Until(() => Cluster.GetTopologyInfo("open").Component("broken").Errors.Count > 0, TimeSpan.FromSeconds(10), "the Open error to be reported");
        Assert.Contains("cannot open", Cluster.GetTopologyInfo("open").Component("broken").Errors[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BasicBolt_FailedException_FailsWithoutError_ReportedOneIsShown()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new CountingSpout(Key, 30));
        builder.SetBolt("quiet", new FailingBasicBolt(reported: false)).ShuffleGrouping("spout");
        builder.SetBolt("loud", new FailingBasicBolt(reported: true)).ShuffleGrouping("spout");
        Cluster.SubmitTopology("basic-fail", new Config(), builder.CreateTopology());

        var spout = Board.Of(Key);
        Await.Until(() => spout.Acked.Count + spout.Failed.Count == 30, TimeSpan.FromSeconds(20), () => $"30 outcomes, have {spout.Acked.Count} + {spout.Failed.Count}");

        // Both bolts fail multiples of 3; the tree fails once however many branches fail.
        Assert.Equal(10, spout.Failed.Count);
        Assert.All(spout.Failed.Keys, k => Assert.Equal(0L, (long)k % 3));
        var info = Cluster.GetTopologyInfo("basic-fail");
        Assert.Empty(info.Component("quiet").Errors);
        Assert.Equal(10, info.Component("quiet").Total().Failed);
        Assert.Contains(info.Component("loud").Errors, e => e.Message.StartsWith("ReportedFailedException: not a multiple", StringComparison.Ordinal));
    }

    private sealed class FailingBasicBolt(bool reported) : BaseBasicBolt
    {
        public override void Execute(ITuple input, IBasicOutputCollector collector)
        {
            if (input.GetLong(0) % 3 == 0)
            {
                throw reported ? new ReportedFailedException("not a multiple I like") : new FailedException("not a multiple I like");
            }
        }

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
        {
        }
    }

    private sealed class ThrowingOpenSpout : BaseRichSpout
    {
        public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector) =>
            throw new IOException("cannot open the source");

        public override void NextTuple()
        {
        }

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("n"));
    }
}
