using StormSharp.Topology;

namespace StormSharp.Runtime.Tests;

/// <summary>Local mode with several workers: tuples between workers cross the transport in the wire encoding.</summary>
public sealed class MultiWorkerTests : ClusterTestBase
{
    [Fact]
    public void Acking_AcrossWorkers_EveryIdAckedOnce()
    {
        const int count = 20_000;
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new CountingSpout(Key, count), 2);
        builder.SetBolt("middle", new RecordingBolt(Board.NewKey(), forward: true), 3).ShuffleGrouping("spout");
        builder.SetBolt("last", new RecordingBolt(OtherKey), 2).FieldsGrouping("middle", new Fields("n"));
        Cluster.SubmitTopology("workers", new Config().SetNumWorkers(2).SetMaxSpoutPending(1_000), builder.CreateTopology());

        var record = Board.Of(Key);
        Await.Until(() => record.Acked.Count == count, TimeSpan.FromSeconds(60), () => $"{count} acks, have {record.Acked.Count} (+{record.Failed.Count} failed)");
        Assert.Empty(record.Failed);
        Assert.All(record.Acked.Values, v => Assert.Equal(1, v));
    }

    [Fact]
    public void LocalOrShuffle_TwoWorkers_StaysInTheEmittersWorker()
    {
        // Two spout executors and four bolt executors dealt over two workers: each spout has local bolt tasks.
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new PortSpout(Key, 4_000), 2);
        builder.SetBolt("bolt", new WorkerRecordingBolt(OtherKey), 4).LocalOrShuffleGrouping("spout");
        Cluster.SubmitTopology("local", new Config().SetNumWorkers(2).SetNumAckers(1), builder.CreateTopology());

        var record = Board.Of(Key);
        Await.Until(() => record.Acked.Count == 4_000, TimeSpan.FromSeconds(30), () => $"4000 acks, have {record.Acked.Count}");
        var bolt = Board.Of(OtherKey);
        Assert.Equal(4_000, bolt.Received.Count);
        Assert.Equal(2, bolt.Received.Select(r => r.Task).Distinct().Count());
        Assert.All(bolt.Received, r => Assert.Equal((int)r.Values[0]!, (int)r.Values[1]!));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Shuffle_TwoWorkers_KeepsToTheEmittersWorker_UnlessLoadAwareMessagingIsDisabled(bool disabled)
    {
        // As Storm's default shuffle: with bolt tasks in its own worker keeping up, a spout sends to none elsewhere.
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new PortSpout(Key, 4_000), 2);
        builder.SetBolt("bolt", new WorkerRecordingBolt(OtherKey), 4).ShuffleGrouping("spout");
        var conf = new Config().SetNumWorkers(2).SetNumAckers(1);
        conf[Config.TopologyDisableLoadAwareMessaging] = disabled;
        Cluster.SubmitTopology("shuffle", conf, builder.CreateTopology());

        var record = Board.Of(Key);
        Await.Until(() => record.Acked.Count == 4_000, TimeSpan.FromSeconds(30), () => $"4000 acks, have {record.Acked.Count}");
        var bolt = Board.Of(OtherKey);
        Assert.Equal(4_000, bolt.Received.Count);
        var crossed = bolt.Received.Count(r => (int)r.Values[0]! != (int)r.Values[1]!);
        if (disabled)
        {
            // Dealt evenly over the four tasks, two of them in the other worker.
            Assert.InRange(crossed, 1_500, 2_500);
        }
        else
        {
            Assert.Equal(0, crossed);
        }

        Assert.Equal(2, bolt.Received.Select(r => r.Task).Distinct().Count()); // both workers' bolts had work (the record's task is the port)
    }

    [Fact]
    public void CrossWorker_ValueWithoutWireEncoding_IsReportedAndFailed()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new OddValueSpout(Key), 1);
        builder.SetBolt("bolt", new RecordingBolt(OtherKey), 1).ShuffleGrouping("spout");
        Cluster.SubmitTopology("odd", new Config().SetNumWorkers(2).SetMessageTimeoutSecs(2), builder.CreateTopology());

        Await.Until(() => Cluster.GetTopologyInfo("odd").Component("spout").Errors.Count > 0, TimeSpan.FromSeconds(20), "the spout's emit of an unencodable value to be reported");
        var error = Cluster.GetTopologyInfo("odd").Component("spout").Errors[0];
        Assert.Contains(nameof(Uri), error.Message, StringComparison.Ordinal);
        Assert.Equal(0, Board.Of(OtherKey).Executed);
        Await.Until(() => Board.Of(Key).Failed.ContainsKey(1), TimeSpan.FromSeconds(20), "the dropped tuple to time out into the spout's Fail");
    }

    [Fact]
    public void TuplesCrossingBackAndForth_WithFullQueues_KeepFlowing()
    {
        // Every hop of the chain has a task in each worker and shuffles, so tuples cross between the two workers in
        // both directions at every step; unacked and with small queues, every queue fills. A full bolt in one
        // worker must hold back only the tuples meant for it: were the tuples for all of a worker's executors to
        // wait behind one full queue, worker 1's relay would wait for room in worker 2 while worker 2's waits for
        // room in worker 1, and the chain would stop. Shuffles deal evenly here: a load-aware one would keep to its
        // own worker until the queues there filled.
        var builder = new TopologyBuilder();
        builder.SetSpout("flood", new FloodSpout(), 2);
        builder.SetBolt("relay1", new RelayBolt(), 2).ShuffleGrouping("flood");
        builder.SetBolt("relay2", new RelayBolt(), 2).ShuffleGrouping("relay1");
        builder.SetBolt("relay3", new RelayBolt(), 2).ShuffleGrouping("relay2");
        builder.SetBolt("sink", new TallyBolt(Key), 2).ShuffleGrouping("relay3");
        var conf = new Config().SetNumWorkers(2).SetNumAckers(0);
        conf[Config.TopologyExecutorReceiveBufferSize] = 64;
        conf[Config.TopologyTransferBufferSize] = 64;
        conf[Config.TopologyDisableLoadAwareMessaging] = true;
        Cluster.SubmitTopology("crossing", conf, builder.CreateTopology());

        var record = Board.Of(Key);
        Await.Until(() => Interlocked.Read(ref record.Executed) >= 50_000, TimeSpan.FromSeconds(30), () => $"50,000 tuples at the sink, have {Interlocked.Read(ref record.Executed):N0}");
        var first = Interlocked.Read(ref record.Executed);
        Await.Until(
            () => Interlocked.Read(ref record.Executed) >= first + 500_000,
            TimeSpan.FromSeconds(60),
            () => $"500,000 more tuples at the sink after the first {first:N0}; it has {Interlocked.Read(ref record.Executed) - first:N0} more");
    }

    private sealed class WorkerRecordingBolt(string key) : BaseRichBolt
    {
        [NonSerialized]
        private IOutputCollector? _collector;
        [NonSerialized]
        private int _port;

        public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector)
        {
            _collector = collector;
            _port = context.ThisWorkerPort;
        }

        public override void Execute(ITuple input)
        {
            // Records (the emitting spout's worker port, this bolt's worker port).
            Board.Of(key).Received.Enqueue((_port, new object?[] { input.GetInteger(1), _port }));
            _collector!.Ack(input);
        }

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
        {
        }
    }

    /// <summary>Emits (n, the port of its worker) with message ids.</summary>
    private sealed class PortSpout(string key, long count) : BaseRichSpout
    {
        [NonSerialized]
        private ISpoutOutputCollector? _collector;
        [NonSerialized]
        private int _port;
        private long _next;
        private long _stride;

        public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector)
        {
            _collector = collector;
            _port = context.ThisWorkerPort;
            _next = context.ThisTaskIndex;
            _stride = context.GetComponentTasks(context.ThisComponentId).Count;
        }

        public override void NextTuple()
        {
            if (_next < count)
            {
                _collector!.Emit(new Values(_next, _port), _next);
                _next += _stride;
            }
        }

        public override void Ack(object msgId) => Board.Of(key).Acked.TryAdd(msgId, 1);

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("n", "port"));
    }

    private sealed class OddValueSpout(string key) : BaseRichSpout
    {
        [NonSerialized]
        private ISpoutOutputCollector? _collector;
        private bool _done;

        public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector) => _collector = collector;

        public override void NextTuple()
        {
            if (_done)
            {
                return;
            }

            _done = true;
            Interlocked.Increment(ref Board.Of(key).Emitted);
            _collector!.Emit(new Values(new Uri("http://127.0.0.1/")), 1);
        }

        public override void Fail(object msgId) => Board.Of(key).Failed.TryAdd(msgId, 1);

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("n"));
    }

    /// <summary>Emits (n) as fast as it is asked, untracked.</summary>
    private sealed class FloodSpout : BaseRichSpout
    {
        [NonSerialized]
        private ISpoutOutputCollector? _collector;
        private long _next;

        public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector) => _collector = collector;

        public override void NextTuple() => _collector!.Emit(new Values(_next++));

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("n"));
    }

    /// <summary>Emits what it receives.</summary>
    private sealed class RelayBolt : BaseRichBolt
    {
        [NonSerialized]
        private IOutputCollector? _collector;

        public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector) => _collector = collector;

        public override void Execute(ITuple input) => _collector!.Emit(new Values(input.GetValue(0)));

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("n"));
    }

    /// <summary>Counts what reaches it.</summary>
    private sealed class TallyBolt(string key) : BaseRichBolt
    {
        public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector)
        {
        }

        public override void Execute(ITuple input) => Interlocked.Increment(ref Board.Of(key).Executed);

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
        {
        }
    }
}
