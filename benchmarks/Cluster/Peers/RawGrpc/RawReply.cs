namespace StormSharp.Benchmarks.Cluster.Peers.RawGrpc;

/// <summary>The end of a raw transfer call; it carries nothing.</summary>
internal sealed class RawReply
{
    public static readonly RawReply Instance = new();
}
