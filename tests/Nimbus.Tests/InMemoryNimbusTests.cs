using Microsoft.Extensions.Logging.Abstractions;
using StormSharp.Cluster;

namespace StormSharp.Nimbus.Tests;

/// <summary>The contract on <see cref="InMemoryClusterState"/>: each Nimbus and supervisor on a session of its own.</summary>
public sealed class InMemoryNimbusTests : NimbusContractTests
{
    private readonly InMemoryClusterState _cluster = new();
    private readonly Dictionary<NimbusDaemon, IClusterState> _nimbusSessions = [];

    protected override Task<IClusterState> OpenSessionAsync() => Task.FromResult<IClusterState>(_cluster.OpenSession());

    protected override async Task<NimbusDaemon> StartNimbusCoreAsync(Dictionary<string, object?> conf)
    {
        var session = _cluster.OpenSession();
        var nimbus = await NimbusDaemon.StartAsync(conf, session, NullLoggerFactory.Instance, CancellationToken.None);
        _nimbusSessions[nimbus] = session;
        return nimbus;
    }

    protected override async Task StopNimbusCoreAsync(NimbusDaemon nimbus)
    {
        await base.StopNimbusCoreAsync(nimbus);
        if (_nimbusSessions.Remove(nimbus, out var session))
        {
            await session.DisposeAsync();
        }
    }
}
