using System.Diagnostics;
using StormSharp.Benchmarks.Engine.Measurement;
using StormSharp.Benchmarks.Engine.Peers;
using StormSharp.Topology;

namespace StormSharp.Benchmarks.Cluster.Topologies;

/// <summary>
/// ThroughputVsLatency's sentence spout, as in the engine suite: emits at the offered rate of
/// <see cref="BenchSettings.SpoutRate"/> (sentences per second; 0: as fast as max pending allows) with the emit
/// timestamp as message id, and records each acked tree's complete latency into a <see cref="LatencyFile"/> when
/// <see cref="BenchSettings.LatencyDirectory"/> is set.
/// </summary>
public sealed class SentenceSpout : BaseRichSpout
{
    [NonSerialized]
    private ISpoutOutputCollector? _collector;

    [NonSerialized]
    private Pacer? _pacer;

    [NonSerialized]
    private Values[]? _sentences;

    [NonSerialized]
    private LatencyFile? _latency;

    [NonSerialized]
    private long _emitted;

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("sentence"));

    public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector)
    {
        _collector = collector;
        _pacer = new Pacer(BenchSettings.Number(conf, BenchSettings.SpoutRate, 0));
        _sentences = new Values[PipelineShape.Sentences.Length];
        for (var i = 0; i < _sentences.Length; i++)
        {
            _sentences[i] = new Values(PipelineShape.Sentences[i]);
        }

        if (BenchSettings.Text(conf, BenchSettings.LatencyDirectory) is { Length: > 0 } dir)
        {
            _latency = new LatencyFile(dir, context.ThisTaskId);
        }
    }

    public override void NextTuple()
    {
        // One tuple per call when unpaced, so the executor's max-pending check runs between emits.
        // Nothing owed: the executor calls again after its idle wait (1 ms), as in the engine suite.
        var due = _pacer!.Due(_pacer.Unlimited ? 1 : 16);
        for (var i = 0; i < due; i++)
        {
            _collector!.Emit(_sentences![(int)(_emitted++ % _sentences.Length)], Stopwatch.GetTimestamp());
        }
    }

    public override void Ack(object msgId) => _latency?.Record(Stopwatch.GetTimestamp() - (long)msgId);
}
