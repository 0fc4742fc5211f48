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
    public async Task Open_SpoutThrows_ErrorReportedOtherComponentsRunAndTheWorkerDies()
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

        // As Storm's worker dies, the host hears of it (storm local stops, a worker process exits for a restart).
        var (name, death) = await DeathAsync(TimeSpan.FromSeconds(10), "the failed Open to be reported as the worker's death");
        Assert.Equal(("open", "broken", "Open"), (name, death.ComponentId, death.Phase));
    }

    [Fact]
    public async Task Prepare_BoltThrows_WorkerDiesNamingComponentAndPhase()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new CountingSpout(Key, 10));
        builder.SetBolt("broken", new ThrowingPrepareBolt()).ShuffleGrouping("spout");
        Cluster.SubmitTopology("prepare", new Config(), builder.CreateTopology());

        var (_, death) = await DeathAsync(TimeSpan.FromSeconds(10), "the failed Prepare to be reported as the worker's death");
        Assert.Equal(("broken", "Prepare"), (death.ComponentId, death.Phase));
        Assert.Contains("no database", death.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void CompleteTopology_BoltPrepareThrows_ThrowsNamingItInsteadOfTimingOut()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new CountingSpout(Key, 10));
        builder.SetBolt("broken", new ThrowingPrepareBolt()).ShuffleGrouping("spout");

        var e = Assert.Throws<InvalidOperationException>(() => Testing.CompleteTopology(
            builder.CreateTopology(),
            new Dictionary<string, IReadOnlyList<IReadOnlyList<object?>>> { ["spout"] = [[1L]] },
            timeout: TimeSpan.FromSeconds(30)));

        Assert.Contains("component 'broken' task", e.Message, StringComparison.Ordinal);
        Assert.Contains("threw in Prepare", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_BoltThrowsWithDieOnError_WorkerDies()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new CountingSpout(Key, 1_000));
        builder.SetBolt("thrower", new ThrowingBolt(OtherKey, 100)).ShuffleGrouping("spout");
        Cluster.SubmitTopology("die", new Config { [Config.TopologyWorkerDieOnError] = true }, builder.CreateTopology());

        var (_, death) = await DeathAsync(TimeSpan.FromSeconds(20), "an Execute that throws to stop the worker with topology.worker.die.on.error");
        Assert.Equal(("thrower", "Execute"), (death.ComponentId, death.Phase));
    }

    [Fact]
    public void Execute_BoltThrowsByDefault_WorkerGoesOn()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new CountingSpout(Key, 300));
        builder.SetBolt("thrower", new ThrowingBolt(OtherKey, 100)).ShuffleGrouping("spout");
        Cluster.SubmitTopology("live", new Config(), builder.CreateTopology());

        var spout = Board.Of(Key);
        Await.Until(() => spout.Acked.Count + spout.Failed.Count == 300, TimeSpan.FromSeconds(30), () => $"300 outcomes, have {spout.Acked.Count} + {spout.Failed.Count}");
        Assert.False(Cluster.Died.IsCompleted, "without topology.worker.die.on.error an Execute that throws fails its tuple only");
    }

    [Fact]
    public void CompleteTopology_ValueWithoutWireEncodingInOneWorker_FailsTheEmitNamingTheStream()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new CountingSpout(Key, 1));
        builder.SetBolt("wrap", new OpaqueValueBolt()).ShuffleGrouping("spout");
        var input = new Dictionary<string, IReadOnlyList<IReadOnlyList<object?>>> { ["spout"] = [[1L], [2L]] };

        var tried = Testing.CompleteTopology(builder.CreateTopology(), input, timeout: TimeSpan.FromSeconds(30));
        var untried = Testing.CompleteTopology(
            builder.CreateTopology(), input, new Config { [Config.TopologyTestingAlwaysTrySerialize] = false }, TimeSpan.FromSeconds(30));

        // On by default in Testing: a single worker finds the value a second worker could not receive.
        Assert.Empty(tried.Emitted("wrap"));
        var error = Assert.Single(tried.Info.Component("wrap").Errors.Take(1));
        Assert.Contains(Config.TopologyTestingAlwaysTrySerialize, error.Message, StringComparison.Ordinal);
        Assert.Contains("stream 'default'", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, tried.Info.Component("spout").Total().Failed);

        // Off, the tuple stays in its worker by reference and nothing notices.
        Assert.Equal(2, untried.Emitted("wrap").Count);
        Assert.Empty(untried.Info.Component("wrap").Errors);
    }

    private async Task<(string Name, Execution.WorkerDeath Death)> DeathAsync(TimeSpan timeout, string what)
    {
        try
        {
            return await Cluster.Died.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"timed out after {timeout.TotalSeconds:0} s waiting for {what}");
            throw;
        }
    }

    private sealed class ThrowingPrepareBolt : BaseBasicBolt
    {
        public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context) =>
            throw new InvalidOperationException("no database at the configured address");

        public override void Execute(ITuple input, IBasicOutputCollector collector)
        {
        }

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
        {
        }
    }

    /// <summary>Emits each input wrapped in an object of a type with no wire encoding.</summary>
    private sealed class OpaqueValueBolt : BaseBasicBolt
    {
        public override void Execute(ITuple input, IBasicOutputCollector collector) => collector.Emit(new Values(new Opaque(input.GetLong(0))));

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("opaque"));
    }

    private sealed class Opaque(long n)
    {
        public long N { get; } = n;
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
