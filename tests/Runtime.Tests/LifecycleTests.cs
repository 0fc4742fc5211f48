using StormSharp.Topology;

namespace StormSharp.Runtime.Tests;

public sealed class LifecycleTests : ClusterTestBase
{
    [Fact]
    public void TickTuples_TopologyAndComponentFrequency_Delivered()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new CountingSpout(Board.NewKey(), 0));
        builder.SetBolt("global", new TickCountingBolt(Key, "global")).ShuffleGrouping("spout");
        builder.SetBolt("own", new TickCountingBolt(Key, "own")).ShuffleGrouping("spout").AddConfiguration(Config.TopologyTickTupleFreqSecs, 1);
        Cluster.SubmitTopology("ticks", new Config().SetTickTupleFreqSecs(2), builder.CreateTopology());

        var record = Board.Of(Key);
        Await.Until(() => record.PerTask.GetValueOrDefault(1) >= 3, TimeSpan.FromSeconds(15), () => $"3 ticks at 1 s, have {record.PerTask.GetValueOrDefault(1)}");
        var fast = record.PerTask.GetValueOrDefault(1);
        var slow = record.PerTask.GetValueOrDefault(2);
        Assert.InRange(slow, 1, fast - 1);
    }

    [Fact]
    public void Deactivate_SpoutStopsEmitting_ActivateResumes()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new CountingSpout(Key, long.MaxValue, tracked: false));
        builder.SetBolt("sink", new DroppingBolt()).ShuffleGrouping("spout");
        Cluster.SubmitTopology("switch", new Config(), builder.CreateTopology());

        var record = Board.Of(Key);
        Await.Until(() => Interlocked.Read(ref record.Emitted) > 1_000, TimeSpan.FromSeconds(10), "the spout to emit");
        Cluster.Deactivate("switch");
        Assert.Equal("INACTIVE", Cluster.GetTopologyInfo("switch").Status);
        Thread.Sleep(200); // let the executor notice; what is measured below is that nothing moves afterwards
        var stopped = Interlocked.Read(ref record.Emitted);
        Thread.Sleep(300);
        Assert.Equal(stopped, Interlocked.Read(ref record.Emitted));

        Cluster.Activate("switch");
        Await.Until(() => Interlocked.Read(ref record.Emitted) > stopped + 1_000, TimeSpan.FromSeconds(10), "the spout to emit again after Activate");
    }

    [Fact]
    public void Kill_RemovesTopologyAndClosesSpout()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new ClosingSpout(Key));
        Cluster.SubmitTopology("kill", new Config(), builder.CreateTopology());
        Assert.Equal(["kill"], Cluster.GetTopologyNames());
        Cluster.KillTopology("kill");
        Assert.Empty(Cluster.GetTopologyNames());
        Assert.Equal(1, Board.Of(Key).Executed);
        Assert.Throws<KeyNotFoundException>(() => Cluster.GetTopologyInfo("kill"));
    }

    [Fact]
    public void Backpressure_FastSpoutSlowBolt_InFlightStaysBounded()
    {
        var boltKey = Board.NewKey();
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new CountingSpout(Key, long.MaxValue, tracked: false));
        builder.SetBolt("slow", new SlowBolt(boltKey, 1)).ShuffleGrouping("spout");
        var conf = new Config { [Config.TopologyExecutorReceiveBufferSize] = 1024 };
        Cluster.SubmitTopology("pressure", conf, builder.CreateTopology());

        var spout = Board.Of(Key);
        var bolt = Board.Of(boltKey);
        for (var i = 0; i < 10; i++)
        {
            Thread.Sleep(200);
            var inFlight = Interlocked.Read(ref spout.Emitted) - Interlocked.Read(ref bolt.Executed);

            // Queue capacity, one batch waiting at the spout, and one poll batch being processed by the bolt.
            Assert.InRange(inFlight, 0, 1024 + 64 + 256 + 128);
        }

        Assert.True(Interlocked.Read(ref bolt.Executed) > 100, "the slow bolt made progress");
    }

    [Fact]
    public void SlowSpout_EachTupleFlushedPromptly_AndKillIsQuick()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new SleepySpout(Key, 20));
        builder.SetBolt("sink", new RecordingBolt(Board.NewKey())).ShuffleGrouping("spout");
        Cluster.SubmitTopology("sleepy", new Config(), builder.CreateTopology());

        var record = Board.Of(Key);
        Await.Until(() => Interlocked.Read(ref record.Emitted) >= 20, TimeSpan.FromSeconds(10), "20 sentences from the slow spout");

        // Without a timed flush, a spout that emits one tuple per slow NextTuple would sit on a partial batch.
        Await.Until(() => record.Acked.Count >= Interlocked.Read(ref record.Emitted) - 3, TimeSpan.FromSeconds(2),
            () => $"acks to keep up with emits: {record.Acked.Count} acked of {Interlocked.Read(ref record.Emitted)}");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Cluster.KillTopology("sleepy");
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2), $"kill took {sw.Elapsed}");
    }

    private sealed class SleepySpout(string key, int sleepMs) : BaseRichSpout
    {
        [NonSerialized]
        private ISpoutOutputCollector? _collector;
        private long _next;

        public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector) => _collector = collector;

        public override void NextTuple()
        {
            Thread.Sleep(sleepMs);
            Interlocked.Increment(ref Board.Of(key).Emitted);
            _collector!.Emit(new Values(_next), _next++);
        }

        public override void Ack(object msgId) => Board.Of(key).Acked.TryAdd(msgId, 1);

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("n"));
    }

    private sealed class TickCountingBolt(string key, string name) : BaseRichBolt
    {
        [NonSerialized]
        private IOutputCollector? _collector;

        public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector) => _collector = collector;

        public override void Execute(ITuple input)
        {
            if (Utils.IsTick(input))
            {
                Board.Of(key).PerTask.AddOrUpdate(name == "own" ? 1 : 2, 1, (_, c) => c + 1);
            }

            _collector!.Ack(input);
        }

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
        {
        }
    }

    private sealed class ClosingSpout(string key) : BaseRichSpout
    {
        public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector)
        {
        }

        public override void NextTuple() => Thread.Sleep(1);

        public override void Close() => Interlocked.Increment(ref Board.Of(key).Executed);

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("n"));
    }
}
