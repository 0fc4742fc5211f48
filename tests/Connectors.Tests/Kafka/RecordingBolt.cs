using System.Collections.Concurrent;
using System.Diagnostics;
using StormSharp.Topology;

namespace StormSharp.Connectors.Tests.Kafka;

/// <summary>What a <see cref="RecordingBolt"/> saw in one test: each delivery of each record, with its time and spout task.</summary>
public sealed class Deliveries
{
    private readonly TaskCompletionSource _allDistinct = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _distinct;
    private int _total;

    public Deliveries(int expectDistinct) => ExpectDistinct = expectDistinct;

    public int ExpectDistinct { get; set; }

    public ConcurrentDictionary<(int Partition, long Offset), ConcurrentQueue<(long At, string? Value, int SpoutTask, bool Acked)>> ByRecord { get; } = new();

    public ConcurrentDictionary<int, ConcurrentDictionary<int, byte>> TasksByPartition { get; } = new();

    public int Distinct => Volatile.Read(ref _distinct);

    public int Total => Volatile.Read(ref _total);

    public Task AllDistinct => _allDistinct.Task;

    public void Record(int partition, long offset, string? value, int spoutTask, bool acked)
    {
        Interlocked.Increment(ref _total);
        TasksByPartition.GetOrAdd(partition, _ => new()).TryAdd(spoutTask, 0);
        var q = ByRecord.GetOrAdd((partition, offset), _ => new());
        q.Enqueue((Stopwatch.GetTimestamp(), value, spoutTask, acked));
        if (q.Count == 1 && Interlocked.Increment(ref _distinct) >= ExpectDistinct)
        {
            _allDistinct.TrySetResult();
        }
    }
}

/// <summary>Records every tuple of the Kafka spout's default translator and acks it, or fails a share of them at random.</summary>
public sealed class RecordingBolt : BaseRichBolt
{
    public static readonly ConcurrentDictionary<string, Deliveries> Runs = new();

    private readonly string _run;
    private readonly int _failPercent;
    private readonly int _dropFirstPercent;

    [NonSerialized]
    private IOutputCollector? _collector;

    /// <param name="run">The key of the test's <see cref="Deliveries"/>.</param>
    /// <param name="failPercent">The share of tuples failed, at random.</param>
    /// <param name="dropFirstPercent">The share of records whose first delivery is neither acked nor failed, so it times out.</param>
    public RecordingBolt(string run, int failPercent = 0, int dropFirstPercent = 0)
    {
        _run = run;
        _failPercent = failPercent;
        _dropFirstPercent = dropFirstPercent;
    }

    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector) => _collector = collector;

    public override void Execute(ITuple input)
    {
        var deliveries = Runs[_run];
        var offset = input.GetLongByField("offset");
        var partition = input.GetIntegerByField("partition");
        if (_dropFirstPercent > 0 && !deliveries.ByRecord.ContainsKey((partition, offset)) && Random.Shared.Next(100) < _dropFirstPercent)
        {
            deliveries.Record(partition, offset, input.GetStringByField("value"), input.SourceTask, false);
            return;
        }

        var fail = _failPercent > 0 && Random.Shared.Next(100) < _failPercent;
        deliveries.Record(input.GetIntegerByField("partition"), input.GetLongByField("offset"), input.GetStringByField("value"), input.SourceTask, !fail);
        if (fail)
        {
            _collector!.Fail(input);
        }
        else
        {
            _collector!.Ack(input);
        }
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
    }
}
