namespace StormSharp.Benchmarks.Cluster.Peers.RawGrpc;

/// <summary>Frames and bytes the sink received.</summary>
internal sealed class RawCounters
{
    private long _frames;
    private long _bytes;

    public long Frames => Interlocked.Read(ref _frames);

    public long Bytes => Interlocked.Read(ref _bytes);

    public void Add(int bytes)
    {
        Interlocked.Increment(ref _frames);
        Interlocked.Add(ref _bytes, bytes);
    }
}
