using System.Buffers;

namespace StormSharp.Benchmarks.Cluster.Peers.RawGrpc;

/// <summary>A frame's bytes: on the sending side memory the sender owns, on the receiving side a pooled copy (<see cref="Return"/> it).</summary>
internal sealed class RawFrame
{
    private byte[]? _pooled;

    public ReadOnlyMemory<byte> Memory { get; set; }

    public static RawFrame Pooled(in ReadOnlySequence<byte> payload)
    {
        var bytes = ArrayPool<byte>.Shared.Rent((int)payload.Length);
        payload.CopyTo(bytes);
        return new RawFrame { _pooled = bytes, Memory = bytes.AsMemory(0, (int)payload.Length) };
    }

    public void Return()
    {
        if (_pooled is { } b)
        {
            _pooled = null;
            ArrayPool<byte>.Shared.Return(b);
        }
    }
}
