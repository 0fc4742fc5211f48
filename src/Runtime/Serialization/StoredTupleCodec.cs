using StormSharp.Runtime.Execution;
using StormSharp.Runtime.Tuples;
using StormSharp.Topology;

namespace StormSharp.Runtime.Serialization;

/// <summary>
/// The wire encoding of one tuple as a batch of one, without anchors and with the stream named rather than numbered
/// (a stream table is per submission; stored tuples outlive it). Rebuilt tuples take their stream and fields from
/// the running topology, so a stored tuple of a stream the topology no longer has fails to load, naming it.
/// </summary>
internal sealed class StoredTupleCodec(TopologyDefinition definition) : ITupleCodec
{
    private readonly TupleCodec _codec = new(StreamTable.Empty, definition.Serializers);

    public byte[] Encode(ITuple tuple)
    {
        using var buffer = new PooledBufferWriter(256);
        TupleCodec.WriteBatchHeader(buffer);
        _codec.WriteTuple(buffer, tuple.SourceTask, 0, tuple.SourceStreamId, [], tuple.Values);
        return buffer.WrittenSpan.ToArray();
    }

    public ITuple Decode(ReadOnlySpan<byte> bytes, int task)
    {
        var decoded = new List<WireTuple>(1);
        if (_codec.ReadBatch(bytes, decoded) != 1)
        {
            throw new WireFormatException($"a stored tuple holds {decoded.Count} tuples, not one");
        }

        var w = decoded[0];
        return new TupleImpl(definition.WireStream(w.SourceTask, w.StreamId), w.Values, w.SourceTask, task) { Done = true };
    }
}
