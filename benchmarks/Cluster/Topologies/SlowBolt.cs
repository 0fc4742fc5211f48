using System.Diagnostics;
using StormSharp.Topology;

namespace StormSharp.Benchmarks.Cluster.Topologies;

/// <summary>
/// A bolt held to <see cref="BenchSettings.BoltRate"/> tuples per second (it sleeps 1 ms whenever it is ahead), to
/// overload the topology in front of it.
/// </summary>
public sealed class SlowBolt : BaseRichBolt
{
    [NonSerialized]
    private IOutputCollector? _collector;

    [NonSerialized]
    private double _tuplesPerSecond;

    [NonSerialized]
    private long _count;

    [NonSerialized]
    private long _start;

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
    }

    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector)
    {
        _collector = collector;
        _tuplesPerSecond = BenchSettings.Number(conf, BenchSettings.BoltRate, 1000);
        _start = Stopwatch.GetTimestamp();
    }

    public override void Execute(ITuple input)
    {
        _collector!.Ack(input);
        if ((++_count & 63) == 0 && _count > Stopwatch.GetElapsedTime(_start).TotalSeconds * _tuplesPerSecond)
        {
            Thread.Sleep(1);
        }
    }
}
