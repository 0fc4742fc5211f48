using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.Core;
using StormSharp.Cluster.Rpc;
using StormSharp.Packaging;

namespace StormSharp.Supervisor.Tests.Infrastructure;

/// <summary>
/// The three calls of <c>nimbus.proto</c> supervisors and workers make, served from a <see cref="LocalBlobStore"/>
/// keyed by topology id. It stands in for Nimbus, which is being built alongside, until these tests switch to the
/// real one; every other call answers UNIMPLEMENTED.
/// </summary>
internal sealed class StandInNimbusService(LocalBlobStore blobs) : Cluster.Rpc.Nimbus.NimbusBase
{
    private readonly ConcurrentDictionary<string, (byte[] Document, string Entry)> _documents = new(StringComparer.Ordinal);

    /// <summary>The latest heartbeat of each worker, by <c>host:port</c>.</summary>
    public ConcurrentDictionary<string, WorkerHeartbeat> Heartbeats { get; } = new(StringComparer.Ordinal);

    /// <summary>While true, downloads fail with UNAVAILABLE, as an unreachable Nimbus would.</summary>
    public volatile bool FailDownloads;

    /// <summary>How many document requests arrived (each fetch makes one).</summary>
    public int DocumentRequests => _documentRequests;

    private int _documentRequests;

    public void AddTopology(string topologyId, byte[] document, string entryAssembly) => _documents[topologyId] = (document, entryAssembly);

    public override Task<TopologyDocumentReply> GetTopologyDocument(TopologyRequest request, ServerCallContext context)
    {
        Interlocked.Increment(ref _documentRequests);
        if (FailDownloads)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "stand-in Nimbus told to fail"));
        }

        if (!_documents.TryGetValue(request.Id, out var d) || blobs.TryGetMetadata(request.Id) is not { } meta)
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"no topology '{request.Id}'"));
        }

        return Task.FromResult(new TopologyDocumentReply
        {
            Document = ByteString.CopyFrom(d.Document),
            EntryAssembly = d.Entry,
            PackageLength = meta.Size,
            PackageSha256 = meta.Sha256,
        });
    }

    public override async Task DownloadPackage(TopologyRequest request, IServerStreamWriter<PackageChunk> responseStream, ServerCallContext context)
    {
        if (FailDownloads)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "stand-in Nimbus told to fail"));
        }

        await using var s = blobs.OpenRead(request.Id);
        var buffer = new byte[64 * 1024];
        int n;
        while ((n = await s.ReadAsync(buffer, context.CancellationToken)) > 0)
        {
            await responseStream.WriteAsync(new PackageChunk { Data = ByteString.CopyFrom(buffer, 0, n) });
        }
    }

    public override Task<Empty> SendWorkerHeartbeat(WorkerHeartbeat request, ServerCallContext context)
    {
        Heartbeats[request.Host + ":" + request.Port] = request;
        return Task.FromResult(new Empty());
    }
}
