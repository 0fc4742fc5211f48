using Grpc.Core;
using Grpc.Net.Client;
using StormSharp.Cluster.Rpc;
using StormSharp.Cluster.Security;

namespace StormSharp.Benchmarks.Cluster.Rig;

/// <summary>
/// Nimbus's gRPC API on the rig's port: who leads, and a topology's stats summed from its workers' heartbeats. On a
/// secured rig it connects with <paramref name="security"/> (TLS and the rig's admin token).
/// </summary>
internal sealed class NimbusProbe(int port, ClientSecurity? security = null) : IDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    private readonly GrpcChannel _channel = security is null
        ? GrpcChannel.ForAddress($"http://127.0.0.1:{port}")
        : security.Channel($"127.0.0.1:{port}", 16 * 1024 * 1024, CallTimeout);

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

    /// <summary>Every supervisor's slots, summed.</summary>
    public int SlotsTotal() => Client.GetClusterInfo(new Empty(), deadline: DateTime.UtcNow + CallTimeout).Supervisors.Sum(s => s.SlotsTotal);

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
