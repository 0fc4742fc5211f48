using StormSharp.Benchmarks.Engine.Measurement;
using StormSharp.Benchmarks.Engine.Peers;
using StormSharp.Runtime;
using StormSharp.Topology;

namespace StormSharp.Benchmarks.Engine.Topologies;

/// <summary>The benchmark topologies on the engine in local mode, built to the same shape as the peers.</summary>
public static class EngineTopologies
{
    private static readonly Lazy<LocalCluster> Cluster = new(() => new LocalCluster());
    private static int _runs;

    /// <summary>ConstSpoutNullBolt: constant tuples, shuffle, a bolt that does nothing; no acking.</summary>
    public static IPipelineRun StartConst()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new ConstSpout(withIds: false));
        builder.SetBolt("bolt", new NullBolt()).ShuffleGrouping("spout");
        return Submit("const-spout-null-bolt", builder, ackers: 0, () => EngineProbes.Sunk.Sum, latency: false);
    }

    /// <summary>ConstSpoutIdBoltNullBolt with message ids and one acker (<paramref name="acking"/>), or without ids and ackers.</summary>
    public static IPipelineRun StartIdBolt(bool acking)
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new ConstSpout(withIds: acking));
        builder.SetBolt("id", new IdBolt()).ShuffleGrouping("spout");
        builder.SetBolt("bolt", new NullBolt()).ShuffleGrouping("id");
        return acking
            ? Submit("const-spout-id-bolt-null-bolt", builder, ackers: 1, () => EngineProbes.Acked.Sum, latency: false)
            : Submit("const-spout-id-bolt-null-bolt-noack", builder, ackers: 0, () => EngineProbes.Sunk.Sum, latency: false);
    }

    /// <summary>Word count at an offered sentence rate (0: as fast as max pending allows), acking on.</summary>
    public static IPipelineRun StartWordCount(double rate)
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new SentenceSpout(rate));
        builder.SetBolt("split", new SplitBolt(), PipelineShape.SplitParallelism).ShuffleGrouping("spout");
        builder.SetBolt("count", new CountBolt(), PipelineShape.CountParallelism).FieldsGrouping("split", new Fields("word"));
        return Submit("word-count", builder, ackers: 1, () => EngineProbes.Acked.Sum, latency: true);
    }

    /// <summary>Word count at its highest rate with the split bolt in Python, a subprocess per task speaking multilang.</summary>
    public static IPipelineRun StartMultilangWordCount()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new SentenceSpout(0));
        builder.SetBolt("split", new PythonSplitBolt(), PipelineShape.SplitParallelism).ShuffleGrouping("spout");
        builder.SetBolt("count", new CountBolt(), PipelineShape.CountParallelism).FieldsGrouping("split", new Fields("word"));
        return Submit("multilang-word-count", builder, ackers: 1, () => EngineProbes.Acked.Sum, latency: true);
    }

    /// <summary>Word count whose counting bolt counts each sliding window of 1000 words, sliding by 100 (Storm's BaseWindowedBolt).</summary>
    public static IPipelineRun StartWindowedWordCount()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new SentenceSpout(0));
        builder.SetBolt("split", new SplitBolt(), PipelineShape.SplitParallelism).ShuffleGrouping("spout");
        builder.SetBolt(
                "count",
                new WindowCountBolt().WithWindow(new Topology.Windowing.BaseWindowedBolt.Count(1000), new Topology.Windowing.BaseWindowedBolt.Count(100)),
                PipelineShape.CountParallelism)
            .FieldsGrouping("split", new Fields("word"));
        return Submit("windowed-word-count", builder, ackers: 1, () => EngineProbes.Acked.Sum, latency: true);
    }

    /// <summary>
    /// Word count whose counts are checkpointed state in the Redis on <paramref name="redisPort"/>, checkpointed every
    /// second; with a <paramref name="replayable"/> spout (exactly-once: acks are not held for the commit), or with the
    /// plain one (at-least-once: each spout tuple is acked only when its checkpoint commits).
    /// </summary>
    public static IPipelineRun StartStatefulWordCount(int redisPort, bool replayable)
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", replayable ? new ReplayableSentenceSpout() : new SentenceSpout(0));
        builder.SetBolt("split", new SplitBolt(), PipelineShape.SplitParallelism).ShuffleGrouping("spout");
        builder.SetStatefulBolt("count", new StatefulCountBolt(), PipelineShape.CountParallelism).FieldsGrouping("split", new Fields("word"));
        return Submit("stateful-word-count", builder, ackers: 1, () => EngineProbes.Acked.Sum, latency: true, conf => conf
            .SetCheckpointIntervalMs(1000)
            .SetStateProvider(typeof(Connectors.Redis.RedisKeyValueStateProvider).AssemblyQualifiedName!)
            .Set(Config.TopologyStateProviderConfig, $"{{\"host\": \"127.0.0.1\", \"port\": {redisPort}}}"));
    }

    /// <summary>A spout as fast as it can go into a bolt held to <paramref name="boltRate"/> tuples per second; no acking.</summary>
    public static IPipelineRun StartOverload(double boltRate)
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new ConstSpout(withIds: false));
        builder.SetBolt("slow", new SlowBolt(boltRate)).ShuffleGrouping("spout");
        return Submit("overload", builder, ackers: 0, () => EngineProbes.Sunk.Sum, latency: false);
    }

    public static void Shutdown()
    {
        if (Cluster.IsValueCreated)
        {
            Cluster.Value.Dispose();
        }
    }

    private static EngineRun Submit(string name, TopologyBuilder builder, int ackers, Func<long> processed, bool latency, Func<Config, Config>? configure = null)
    {
        EngineProbes.Reset();
        var conf = new Config()
            .SetNumWorkers(1)
            .SetNumAckers(ackers)
            .SetMaxSpoutPending(PipelineShape.MaxPending)
            .Set(Config.TopologyExecutorReceiveBufferSize, PipelineShape.QueueCapacity);
        conf = configure?.Invoke(conf) ?? conf;
        var unique = $"{name}-{Interlocked.Increment(ref _runs)}";
        Cluster.Value.SubmitTopology(unique, conf, builder.CreateTopology());
        return new EngineRun(unique, processed, latency ? EngineProbes.Latency : null);
    }

    private sealed class EngineRun(string name, Func<long> processed, LatencyHistogram? latency) : IPipelineRun
    {
        public long Processed => processed();

        public LatencyHistogram? Latency => latency;

        public void Dispose() => Cluster.Value.KillTopology(name, TimeSpan.FromSeconds(20));
    }
}
