using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;

namespace StormSharp.Benchmarks.Engine.Micro;

/// <summary>
/// The acker's XOR bookkeeping for one spout tuple whose tree has two edges (spout -> bolt -> bolt, as in
/// ConstSpoutIdBoltNullBolt): init with the first edge, an ack that retires it and announces the second, an ack
/// that retires the second, the entry found at zero and removed. The table operations mirror AckerExecutor's
/// Process (the executor itself cannot be driven outside a running worker), with as many trees open at once as
/// max spout pending allows.
/// </summary>
[MemoryDiagnoser]
public class AckerBenchmarks
{
    public const int Trees = 1024;

    private readonly Dictionary<long, Entry> _entries = [];
    private long[] _roots = [];
    private long[] _edges = [];

    [Params(0, 4096)]
    public int OpenTrees { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        _roots = new long[Trees];
        _edges = new long[Trees * 2];
        for (var i = 0; i < Trees; i++)
        {
            _roots[i] = random.NextInt64();
            _edges[2 * i] = random.NextInt64();
            _edges[(2 * i) + 1] = random.NextInt64();
        }

        for (var i = 0; i < OpenTrees; i++)
        {
            Update(random.NextInt64(), random.NextInt64(), 3);
        }
    }

    /// <summary>Three updates per tree; figures are per tree.</summary>
    [Benchmark(OperationsPerInvoke = Trees)]
    public int CompleteTree()
    {
        var completed = 0;
        for (var i = 0; i < Trees; i++)
        {
            var root = _roots[i];
            var e1 = _edges[2 * i];
            var e2 = _edges[(2 * i) + 1];
            completed += Update(root, e1, 1);
            completed += Update(root, e1 ^ e2, 0);
            completed += Update(root, e2, 0);
        }

        return completed;
    }

    private int Update(long root, long edge, int spoutTask)
    {
        ref var e = ref CollectionsMarshal.GetValueRefOrAddDefault(_entries, root, out _);
        e.Value ^= edge;
        if (spoutTask != 0)
        {
            e.SpoutTask = spoutTask;
        }

        if (e.SpoutTask != 0 && e.Value == 0)
        {
            _entries.Remove(root);
            return 1;
        }

        return 0;
    }

    private struct Entry
    {
        public long Value;
        public int SpoutTask;
    }
}
