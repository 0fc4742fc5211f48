using StormSharp.Benchmarks.Engine.Peers;
using StormSharp.Benchmarks.Engine.Topologies;
using StormSharp.Topology;

namespace StormSharp.Benchmarks.Cluster.Topologies;

/// <summary>
/// The cluster suite's topologies, submitted with <c>storm jar benchmarks/Cluster/Topologies
/// StormSharp.Benchmarks.Cluster.Topologies.BenchmarkTopologies &lt;kind&gt;</c>, and built the same way for the
/// local-mode peer. Parallelism is one executor per component, so that on two workers, with executors dealt
/// round-robin in definition order (spouts, bolts, then ackers), every hop crosses from one worker to the other:
/// <c>const</c>: spout | bolt; <c>noack</c>: spout, bolt | id; <c>ack</c>: spout, bolt | id, acker
/// (spout, id and bolt dealt to workers 1, 2, 1; the acker to 2); <c>overload</c>: spout | slow.
/// <c>wordcount</c> has the engine suite's shape (one spout, two split and two count executors, one acker) and so
/// spreads split and count over both workers: spout, split, count | split, count, acker; sentences go by shuffle and
/// words by fields grouping, so about half of each hop crosses workers.
/// </summary>
public static class BenchmarkTopologies
{
    /// <summary>ConstSpoutNullBolt: constant tuples, shuffle, a bolt that does nothing; no acking.</summary>
    public const string Const = "const";

    /// <summary>ConstSpoutIdBoltNullBolt with message ids and one acker.</summary>
    public const string Ack = "ack";

    /// <summary>ConstSpoutIdBoltNullBolt without message ids or ackers.</summary>
    public const string NoAck = "noack";

    /// <summary>ThroughputVsLatency's word count, acking on, paced by <see cref="BenchSettings.SpoutRate"/>.</summary>
    public const string WordCount = "wordcount";

    /// <summary>ConstSpout as fast as it can go into a <see cref="SlowBolt"/> held to <see cref="BenchSettings.BoltRate"/>; no acking.</summary>
    public const string Overload = "overload";

    /// <summary>Spout tuples in flight when acking (the engine suite's figure).</summary>
    public const int MaxPending = 4096;

    public static readonly string[] Kinds = [Const, Ack, NoAck, WordCount, Overload];

    /// <summary>The name a kind is submitted under.</summary>
    public static string NameOf(string kind) => "bench-" + kind;

    public static StormTopology Build(string kind)
    {
        var builder = new TopologyBuilder();
        switch (kind)
        {
            case Const:
                builder.SetSpout("spout", new ConstSpout(withIds: false));
                builder.SetBolt("bolt", new NullBolt()).ShuffleGrouping("spout");
                break;
            case Ack:
            case NoAck:
                builder.SetSpout("spout", new ConstSpout(withIds: kind == Ack));
                builder.SetBolt("id", new IdBolt()).ShuffleGrouping("spout");
                builder.SetBolt("bolt", new NullBolt()).ShuffleGrouping("id");
                break;
            case WordCount:
                builder.SetSpout("spout", new SentenceSpout());
                builder.SetBolt("split", new SplitBolt(), PipelineShape.SplitParallelism).ShuffleGrouping("spout");
                builder.SetBolt("count", new CountBolt(), PipelineShape.CountParallelism).FieldsGrouping("split", new Fields("word"));
                break;
            case Overload:
                builder.SetSpout("spout", new ConstSpout(withIds: false));
                builder.SetBolt("slow", new SlowBolt()).ShuffleGrouping("spout");
                break;
            default:
                throw new ArgumentException($"unknown benchmark topology '{kind}' (kinds: {string.Join(", ", Kinds)})", nameof(kind));
        }

        return builder.CreateTopology();
    }

    /// <summary>
    /// The topology's own config: two workers, one acker when acking, none otherwise; then each <c>key=value</c> of
    /// <paramref name="settings"/> (the <see cref="BenchSettings"/> keys).
    /// </summary>
    public static Config ConfigOf(string kind, params string[] settings)
    {
        var config = new Config()
            .SetNumWorkers(2)
            .SetNumAckers(kind is Ack or WordCount ? 1 : 0)
            .SetMaxSpoutPending(MaxPending);
        foreach (var s in settings)
        {
            var eq = s.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new ArgumentException($"expected key=value after the kind, got '{s}'", nameof(settings));
            }

            config.Set(s[..eq], s[(eq + 1)..]);
        }

        return config;
    }

    /// <summary>Entry point for <c>storm jar</c>: submits the kind named by the first argument, with the <c>key=value</c> settings after it.</summary>
    public static void Main(string[] args)
    {
        var kind = args.Length > 0 ? args[0] : Const;
        StormSubmitter.SubmitTopology(NameOf(kind), ConfigOf(kind, args.Length > 1 ? args[1..] : []), Build(kind));
    }
}
