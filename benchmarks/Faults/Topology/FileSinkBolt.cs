using System.Globalization;
using System.Text;
using StormSharp.Topology;

namespace StormSharp.Benchmarks.Faults.Topology;

/// <summary>
/// The sink outside the topology's processes: appends each number as a fixed-width line (<see cref="LineBytes"/>
/// bytes) to a file of its own under <c>&lt;faults.dir&gt;/sink/</c>, and acks a tuple only after its line has been
/// written to the file (a write call, so the line outlives this process). Lines go out in batches of
/// <see cref="Batch"/>, and on every tick (1 s), so a slow stream is not held back.
/// </summary>
public sealed class FileSinkBolt : BaseRichBolt
{
    public const int LineBytes = 11;

    private const int Batch = 256;

    [NonSerialized]
    private IOutputCollector? _collector;

    [NonSerialized]
    private FileStream? _file;

    [NonSerialized]
    private List<ITuple>? _pending;

    [NonSerialized]
    private byte[]? _buffer;

    [NonSerialized]
    private int _used;

    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector)
    {
        _collector = collector;
        var dir = Path.Combine(FaultSettings.Directory(conf), "sink");
        Directory.CreateDirectory(dir);
        var name = string.Create(CultureInfo.InvariantCulture, $"{context.ThisTaskId}-{Environment.ProcessId}-{Guid.NewGuid():N}.txt");
        _file = new FileStream(Path.Combine(dir, name), FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1, FileOptions.None);
        _pending = new List<ITuple>(Batch);
        _buffer = new byte[Batch * LineBytes];
    }

    public override void Execute(ITuple input)
    {
        if (Utils.IsTick(input))
        {
            Flush();
            return;
        }

        var text = input.GetLong(0).ToString("D10", CultureInfo.InvariantCulture) + "\n";
        _used += Encoding.ASCII.GetBytes(text, 0, text.Length, _buffer!, _used);
        _pending!.Add(input);
        if (_pending.Count == Batch)
        {
            Flush();
        }
    }

    public override void Cleanup()
    {
        Flush();
        _file?.Dispose();
    }

    public override IDictionary<string, object?>? GetComponentConfiguration() =>
        new Dictionary<string, object?> { [Config.TopologyTickTupleFreqSecs] = 1 };

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
    }

    private void Flush()
    {
        if (_pending is null || _pending.Count == 0)
        {
            return;
        }

        _file!.Write(_buffer!, 0, _used);
        _file.Flush();
        _used = 0;
        foreach (var t in _pending)
        {
            _collector!.Ack(t);
        }

        _pending.Clear();
    }
}
