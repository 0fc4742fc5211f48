using Microsoft.Extensions.Logging.Abstractions;
using StormSharp.Cluster;
using StormSharp.ZooKeeper;
using StormSharp.ZooKeeper.Tests.Infrastructure;

namespace StormSharp.Nimbus.Tests;

/// <summary>The contract against a real Apache ZooKeeper server, Nimbus connecting by its own config; each test under a root of its own.</summary>
[Collection(StandaloneCollection.Name)]
public sealed class ZooKeeperNimbusTests(StandaloneServerFixture server) : NimbusContractTests
{
    private readonly string _root = "/nimbus-test-" + Guid.NewGuid().ToString("N")[..8];

    protected override async Task<IClusterState> OpenSessionAsync() =>
        await ZooKeeperClusterState.ConnectAsync(
            new ZooKeeperClientOptions { ConnectionString = server.ConnectionString, SessionTimeout = Clients.SessionTimeout, ConnectTimeout = TimeSpan.FromSeconds(15) },
            new ClusterStateOptions { Root = _root });

    protected override Dictionary<string, object?> Conf(string localDir, params (string Key, object? Value)[] overrides)
    {
        var port = int.Parse(server.ConnectionString[(server.ConnectionString.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        return base.Conf(
            localDir,
            [
                ("storm.zookeeper.servers", new List<object?> { "127.0.0.1" }),
                ("storm.zookeeper.port", port),
                ("storm.zookeeper.root", _root),
                ("storm.zookeeper.session.timeout", 4000),
                .. overrides,
            ]);
    }

    protected override Task<NimbusDaemon> StartNimbusCoreAsync(Dictionary<string, object?> conf) =>
        NimbusDaemon.StartAsync(conf, NullLoggerFactory.Instance, CancellationToken.None);
}
