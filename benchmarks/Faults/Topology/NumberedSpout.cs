using System.Diagnostics;
using System.Globalization;
using StormSharp.Benchmarks.Engine.Measurement;
using StormSharp.Topology;

namespace StormSharp.Benchmarks.Faults.Topology;

/// <summary>
/// A reliable, restartable source of the numbers <c>0 .. records-1</c>: task <c>i</c> of <c>n</c> owns the numbers
/// <c>i, i+n, i+2n, ...</c> and emits each once, with the number as message id, replaying the failed ones. Like a
/// Kafka consumer it commits its position, the count of its numbers below which all are acked, to
/// <c>&lt;faults.dir&gt;/spout-&lt;i&gt;.commit</c> (replaced by rename, about once a second), and a task that starts
/// (restarted, moved to another host, or a second copy left behind a partition) resumes from that position: whatever
/// was in flight is emitted again. So a record can be lost only if the engine acked a tuple its sink never wrote.
/// </summary>
public sealed class NumberedSpout : BaseRichSpout
{
    [NonSerialized]
    private ISpoutOutputCollector? _collector;

    [NonSerialized]
    private Pacer? _pacer;

    [NonSerialized]
    private bool[]? _acked;

    [NonSerialized]
    private Queue<long>? _replay;

    [NonSerialized]
    private string? _commitPath;

    [NonSerialized]
    private long _tasks;

    [NonSerialized]
    private long _index;

    [NonSerialized]
    private long _committed;

    [NonSerialized]
    private long _written = -1;

    [NonSerialized]
    private long _next;

    [NonSerialized]
    private long _nextCommit;

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("number"));

    public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector)
    {
        _collector = collector;
        var dir = FaultSettings.Directory(conf);
        var records = FaultSettings.Records(conf);
        _tasks = context.GetComponentTasks(context.ThisComponentId).Count;
        _index = context.ThisTaskIndex;
        _pacer = new Pacer(FaultSettings.Rate(conf) / _tasks);
        _acked = new bool[Math.Max(0, (records - _index + _tasks - 1) / _tasks)];
        _replay = new Queue<long>();
        _commitPath = Path.Combine(dir, $"spout-{_index}.commit");
        _committed = File.Exists(_commitPath) ? long.Parse(File.ReadAllText(_commitPath).Trim(), CultureInfo.InvariantCulture) : 0;
        _next = _committed;
    }

    public override void NextTuple()
    {
        var due = _pacer!.Due(64);
        for (var i = 0; i < due; i++)
        {
            long k;
            if (_replay!.Count > 0)
            {
                k = _replay.Dequeue();
            }
            else if (_next < _acked!.Length)
            {
                k = _next++;
            }
            else
            {
                break;
            }

            _collector!.Emit(new Values(k * _tasks + _index), k);
        }

        var now = Stopwatch.GetTimestamp();
        if (now >= _nextCommit)
        {
            _nextCommit = now + Stopwatch.Frequency;
            Commit();
        }
    }

    public override void Ack(object msgId)
    {
        var k = (long)msgId;
        if (k < _committed)
        {
            return;
        }

        _acked![k] = true;
        while (_committed < _acked.Length && _acked[_committed])
        {
            _committed++;
        }
    }

    public override void Fail(object msgId)
    {
        var k = (long)msgId;
        if (k >= _committed && !_acked![k])
        {
            _replay!.Enqueue(k);
        }
    }

    public override void Close() => Commit();

    private void Commit()
    {
        if (_committed == _written || _commitPath is null)
        {
            return;
        }

        var temp = _commitPath + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + ".tmp";
        File.WriteAllText(temp, _committed.ToString(CultureInfo.InvariantCulture));
        File.Move(temp, _commitPath, overwrite: true);
        _written = _committed;
    }
}
