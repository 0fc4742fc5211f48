using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using StormSharp.Cluster.Rpc;
using StormSharp.Runtime.Serialization;
using StormSharp.Topology;

namespace StormSharp.Nimbus.Tests;

/// <summary>A test's client of one Nimbus, on 127.0.0.1, every call with a deadline.</summary>
internal sealed class NimbusRpc : IDisposable
{
    private static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(20);
    private readonly GrpcChannel _channel;

    public NimbusRpc(int port)
    {
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        Client = new Cluster.Rpc.Nimbus.NimbusClient(_channel);
    }

    public Cluster.Rpc.Nimbus.NimbusClient Client { get; }

    public static DateTime Deadline => DateTime.UtcNow + CallDeadline;

    public static byte[] Document(StormTopology topology, IReadOnlyDictionary<string, object?> conf) => TopologyDocument.Write(topology, conf);

    /// <summary>Submits as <c>storm jar</c> does: the header, then the package in 64 KiB chunks.</summary>
    public async Task<string> SubmitAsync(string name, byte[] document, byte[] package, string sha256, string entry = "StormSharp.Examples.WordCount.dll", long? length = null)
    {
        using var call = Client.SubmitTopology(deadline: Deadline);
        try
        {
            await call.RequestStream.WriteAsync(new SubmitChunk
            {
                Header = new SubmitHeader
                {
                    Name = name,
                    TopologyDocument = ByteString.CopyFrom(document),
                    EntryAssembly = entry,
                    PackageLength = length ?? package.Length,
                    PackageSha256 = sha256,
                    Owner = "tester",
                },
            });
            for (var offset = 0; offset < package.Length; offset += 65536)
            {
                await call.RequestStream.WriteAsync(new SubmitChunk { Data = ByteString.CopyFrom(package, offset, Math.Min(65536, package.Length - offset)) });
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException)
        {
            // Nimbus answered before reading everything; its answer is in the response.
        }

        return (await call.ResponseAsync).TopologyId;
    }

    public void Dispose() => _channel.Dispose();
}
