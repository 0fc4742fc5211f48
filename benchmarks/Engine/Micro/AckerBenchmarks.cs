using BenchmarkDotNet.Attributes;
using StormSharp.Runtime.Acking;

namespace StormSharp.Benchmarks.Engine.Micro;

/// <summary>
/// The acker's XOR bookkeeping (the engine's own <see cref="AckerTable"/>) for one spout tuple whose tree has two
/// edges (spout -> bolt -> bolt, as in ConstSpoutIdBoltNullBolt): init with the first edge, an ack that retires it
/// and announces the second, an ack that retires the second, and the tree completing. As many other trees are open
/// at once as max spout pending allows.
/// </summary>
[MemoryDiagnoser]
public class AckerBenchmarks
{
    public const int Trees = 1024;

    private AckerTable _table = new();
    private long[] _roots = [];
    private long[] _edges = [];

    [Params(0, 4096)]
    public int OpenTrees { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        _table = new AckerTable();
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
            _table.Init(random.NextInt64(), random.NextInt64(), 3, 0, out _);
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
            _table.Init(root, e1, 1, 0, out _);
            _table.Ack(root, e1 ^ e2, 0, out _);
            if (_table.Ack(root, e2, 0, out _) == AckOutcome.Completed)
            {
                completed++;
            }
        }

        return completed;
    }
}
