using BenchmarkDotNet.Attributes;
using StormSharp.Runtime.Serialization;
using StormSharp.Topology;

namespace StormSharp.Benchmarks.Engine.Micro;

/// <summary>
/// The wire codec per tuple, in batches of <see cref="Batch"/> as the transfer batcher sends them: a word-count
/// tuple (one short string, one anchor) and a mixed tuple (string, long, double, bool, Guid, a small list).
/// </summary>
[MemoryDiagnoser]
public class SerializationBenchmarks
{
    public const int Batch = 64;

    private readonly List<WireTuple> _decoded = new(Batch);
    private TupleCodec _codec = null!;
    private TupleBatchWriter _writer = null!;
    private IReadOnlyList<object?> _values = [];
    private byte[] _encoded = [];
    private AckAnchor[] _anchors = [];

    [Params("word", "mixed")]
    public string Tuple { get; set; } = "word";

    [GlobalSetup]
    public void Setup()
    {
        _codec = new TupleCodec(new StreamTable(["default", "__ack_init", "__ack_ack"]));
        _writer = new TupleBatchWriter(_codec, 64 * 1024);
        _values = Tuple == "word"
            ? new Values("jumped")
            : new Values("the cow jumped over the moon", 1234567890123L, 3.25, true, Guid.NewGuid(), new List<object?> { "a", 1, 2L });
        _anchors = [new AckAnchor(0x1234_5678_9abc_def0, 0x0fed_cba9_8765_4321)];
        Encode();
        _encoded = _writer.WrittenSpan.ToArray();
    }

    [GlobalCleanup]
    public void Cleanup() => _writer.Dispose();

    [Benchmark(OperationsPerInvoke = Batch)]
    public int Encode()
    {
        _writer.Reset();
        for (var i = 0; i < Batch; i++)
        {
            _writer.Add(3, 7, "default", _anchors, _values);
        }

        return _writer.Length;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int Decode()
    {
        _decoded.Clear();
        return _codec.ReadBatch(_encoded, _decoded);
    }

    /// <summary>Encoded bytes per tuple.</summary>
    public double BytesPerTuple => (_encoded.Length - 1) / (double)Batch;
}
