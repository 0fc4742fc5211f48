using BenchmarkDotNet.Attributes;
using StormSharp.Runtime.Queues;
using StormSharp.Runtime.Routing;
using StormSharp.Runtime.Tuples;
using StormSharp.Topology;

namespace StormSharp.Benchmarks.Engine.Micro;

/// <summary>
/// Routing one tuple: the grouper's choice of tasks (<see cref="Choose"/>), and the whole in-worker hand-over
/// (<see cref="ChooseAndDeliver"/>: choose, one tuple object per target, batch into the receive queue, drain).
/// Each operation routes <see cref="Batch"/> tuples, so figures are per tuple.
/// </summary>
[MemoryDiagnoser]
public class RoutingBenchmarks
{
    public const int Batch = 1024;

    private static readonly string[] Words = ["the", "cow", "jumped", "over", "moon", "an", "apple", "a", "day", "keeps"];

    private readonly int[] _into = new int[GroupingFactory.Targets.Length];
    private readonly TupleImpl?[] _drain = new TupleImpl?[64];
    private readonly TupleImpl[] _out = new TupleImpl[64];
    private IReadOnlyList<object?>[] _tuples = [];
    private Grouper _grouper = null!;
    private ReceiveQueue _queue = null!;
    private StreamInfo _stream = null!;

    [ParamsSource(nameof(Groupings))]
    public string Grouping { get; set; } = "Shuffle";

    public static IEnumerable<string> Groupings => GroupingFactory.Names;

    [GlobalSetup]
    public void Setup()
    {
        _grouper = GroupingFactory.Create(Grouping);
        _tuples = new IReadOnlyList<object?>[Words.Length];
        for (var i = 0; i < Words.Length; i++)
        {
            object key = Grouping switch
            {
                "Fields:long" => (long)i,
                "Fields:Guid" => new Guid(i, 0, 0, new byte[8]),
                "Fields:list" => new List<object?> { Words[i], i },
                _ => Words[i],
            };
            _tuples[i] = new Values(key, i);
        }

        _queue = new ReceiveQueue(4096);
        _stream = new StreamInfo("spout", Utils.DefaultStreamId, GroupingFactory.StreamFields, direct: false, index: 0);
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int Choose()
    {
        var sum = 0;
        for (var i = 0; i < Batch; i++)
        {
            sum += _grouper.Choose(1, _tuples[i % _tuples.Length], _into);
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int ChooseAndDeliver()
    {
        var pending = 0;
        var delivered = 0;
        for (var i = 0; i < Batch; i++)
        {
            var values = _tuples[i % _tuples.Length];
            var n = _grouper.Choose(1, values, _into);
            for (var k = 0; k < n; k++)
            {
                _out[pending++] = new TupleImpl(_stream, values, 1, _into[k]);
                if (pending == _out.Length)
                {
                    delivered += Deliver(pending);
                    pending = 0;
                }
            }
        }

        return delivered + Deliver(pending);
    }

    /// <summary>Bytes allocated per routed tuple beyond the tuple objects themselves, over many tuples (GC counter, this thread).</summary>
    public static (double Choose, double Deliver) MeasureAllocations(string grouping, int tuples)
    {
        var b = new RoutingBenchmarks { Grouping = grouping };
        b.Setup();
        var rounds = Math.Max(1, tuples / Batch);
        b.Choose();
        b.ChooseAndDeliver();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var r = 0; r < rounds; r++)
        {
            b.Choose();
        }

        var choose = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)(rounds * Batch);
        long delivered = 0;
        before = GC.GetAllocatedBytesForCurrentThread();
        for (var r = 0; r < rounds; r++)
        {
            delivered += b.ChooseAndDeliver();
        }

        var all = GC.GetAllocatedBytesForCurrentThread() - before;
        var beyond = (all - (delivered * TupleSize(b._stream))) / (double)(rounds * Batch);
        return (choose, Math.Max(0, beyond));
    }

    /// <summary>The size of one tuple object as the GC counts it.</summary>
    internal static long TupleSize(StreamInfo stream)
    {
        IReadOnlyList<object?> values = [];
        var keep = new TupleImpl[16];
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < keep.Length; i++)
        {
            keep[i] = new TupleImpl(stream, values, 1, 2);
        }

        var size = (GC.GetAllocatedBytesForCurrentThread() - before) / keep.Length;
        GC.KeepAlive(keep);
        return size;
    }

    private int Deliver(int count)
    {
        var published = _queue.TryPublish(_out.AsSpan(0, count));
        var drained = 0;
        int got;
        while ((got = _queue.Poll(_drain)) > 0)
        {
            drained += got;
        }

        Array.Clear(_out, 0, count);
        return Math.Min(published, drained);
    }
}
