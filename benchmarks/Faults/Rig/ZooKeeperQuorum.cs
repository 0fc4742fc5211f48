using System.Diagnostics;
using System.Globalization;

namespace StormSharp.Benchmarks.Faults.Rig;

/// <summary>
/// Apache ZooKeeper from Debian's package, one server per address of <paramref name="host"/> (a 3-server ensemble on
/// one host with three addresses, or a standalone server), client port 2181 on each address.
/// </summary>
internal sealed class ZooKeeperQuorum : IDisposable
{
    public const int ClientPort = 2181;
    private const string Jar = "/usr/share/java/zookeeper.jar";

    private readonly List<Daemon> _servers = [];

    public ZooKeeperQuorum(Host host, string directory, int size)
    {
        if (!File.Exists(Jar))
        {
            throw new InvalidOperationException("Apache ZooKeeper is not installed; run: deploy/install-deps zookeeper");
        }

        Host = host;
        var quorum = size == 1 ? string.Empty : string.Join('\n', Enumerable.Range(1, size).Select(i => $"server.{i}={host.Addresses[i - 1]}:2888:3888"));
        for (var i = 1; i <= size; i++)
        {
            var dir = Path.Combine(directory, "zk" + i.ToString(CultureInfo.InvariantCulture));
            var data = Path.Combine(dir, "data");
            Directory.CreateDirectory(data);
            File.WriteAllText(Path.Combine(data, "myid"), i.ToString(CultureInfo.InvariantCulture));
            var cfg = Path.Combine(dir, "zoo.cfg");
            File.WriteAllText(cfg, $"""
                tickTime=500
                initLimit=20
                syncLimit=10
                dataDir={data}
                clientPort={ClientPort}
                clientPortAddress={host.Addresses[i - 1]}
                admin.enableServer=false
                4lw.commands.whitelist=srvr,ruok,mntr
                maxClientCnxns=0
                minSessionTimeout=1000
                maxSessionTimeout=60000
                {quorum}
                """);
            _servers.Add(new Daemon($"zookeeper-{i}", host, Path.Combine(dir, "zookeeper.log"), () => Hosts.On(host, "java",
            [
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dzookeeper.admin.enableServer=false",
                "-cp", $"{Jar}:/usr/share/java/slf4j-simple.jar",
                "org.apache.zookeeper.server.quorum.QuorumPeerMain", cfg,
            ])));
        }
    }

    public Host Host { get; }

    public IReadOnlyList<Daemon> Servers => _servers;

    /// <summary>What <c>storm.zookeeper.servers</c> lists.</summary>
    public IReadOnlyList<string> Addresses => [.. _servers.Select((_, i) => Host.Addresses[i])];

    public string ConnectionString => string.Join(',', Addresses.Select(a => $"{a}:{ClientPort}"));

    public void Start(int index) => _servers[index].Start();

    public void Kill(int index) => _servers[index].Kill();

    public void Dispose()
    {
        foreach (var s in _servers)
        {
            s.Dispose();
        }
    }
}
