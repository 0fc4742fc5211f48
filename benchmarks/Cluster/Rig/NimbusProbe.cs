using Grpc.Core;
using Grpc.Net.Client;
using StormSharp.Cluster.Rpc;

namespace StormSharp.Benchmarks.Cluster.Rig;

/// <summary>Nimbus's gRPC API on the rig's port: who leads, and a topology's stats summed from its workers' heartbeats.</summary>
internal sealed class NimbusProbe(int port) : IDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    private readonly GrpcChannel _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");

    private Nimbus.NimbusClient Client => new(_channel);

    public bool IsLeader()
    {
        try
        {
            return Client.GetLeader(new Empty(), deadline: DateTime.UtcNow + CallTimeout).IsLeader;
        }
        catch (RpcException)
        {
            return false;
        }
    }

    /// <summary>The topology's info, or null when Nimbus has no topology of that name.</summary>
    public TopologyInfo? Info(string name)
    {
        try
        {
            return Client.GetTopologyInfo(new TopologyRequest { Name = name }, deadline: DateTime.UtcNow + CallTimeout);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
    }

    public void Dispose() => _channel.Dispose();
}
