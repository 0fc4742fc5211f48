using StormSharp.Topology;

namespace StormSharp.Benchmarks.Cluster.Topologies;

/// <summary>
/// The cluster suite's topologies, submitted with <c>storm jar benchmarks/Cluster/Topologies
/// StormSharp.Benchmarks.Cluster.Topologies.BenchmarkTopologies &lt;kind&gt;</c>, and built the same way for the
/// local-mode peer. Parallelism is one executor per component, so that on two workers, with executors dealt
/// round-robin in definition order (spouts, bolts, then ackers), every hop crosses from one worker to the other:
/// <c>const</c>: spout | bolt; <c>noack</c>: spout, bolt | id; <c>ack</c>: spout, bolt | id, acker
/// (spout, id and bolt dealt to workers 1, 2, 1; the acker to 2).
/// </summary>
public static class BenchmarkTopologies
{
    /// <summary>ConstSpoutNullBolt: constant tuples, shuffle, a bolt that does nothing; no acking.</summary>
    public const string Const = "const";

    /// <summary>ConstSpoutIdBoltNullBolt with message ids and one acker.</summary>
    public const string Ack = "ack";

    /// <summary>ConstSpoutIdBoltNullBolt without message ids or ackers.</summary>
    public const string NoAck = "noack";

    /// <summary>Spout tuples in flight when acking (the engine suite's figure).</summary>
    public const int MaxPending = 4096;

    public static readonly string[] Kinds = [Const, Ack, NoAck];

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
            default:
                throw new ArgumentException($"unknown benchmark topology '{kind}' (kinds: {string.Join(", ", Kinds)})", nameof(kind));
        }

        return builder.CreateTopology();
    }

    /// <summary>The topology's own config: two workers, one acker when acking, none otherwise.</summary>
    public static Config ConfigOf(string kind) =>
        new Config()
            .SetNumWorkers(2)
            .SetNumAckers(kind == Ack ? 1 : 0)
            .SetMaxSpoutPending(MaxPending);

    /// <summary>Entry point for <c>storm jar</c>: submits the kind named by the first argument.</summary>
    public static void Main(string[] args)
    {
        var kind = args.Length > 0 ? args[0] : Const;
        StormSubmitter.SubmitTopology(NameOf(kind), ConfigOf(kind), Build(kind));
    }
}
