namespace StormSharp.ZooKeeper.Tests.Infrastructure;

/// <summary>A standalone server (size 1) or a quorum of servers, all on loopback, in a temp directory removed at dispose.</summary>
public sealed class ZooKeeperEnsemble : IAsyncDisposable
{
    private readonly string _root;

    private ZooKeeperEnsemble(string root, List<ZooKeeperServer> servers)
    {
        _root = root;
        Servers = servers;
    }

    public IReadOnlyList<ZooKeeperServer> Servers { get; }

    public string ConnectionString => string.Join(',', Servers.Select(s => s.Address));

    public static async Task<ZooKeeperEnsemble> StartAsync(int size, TimeSpan? timeout = null)
    {
        ZooKeeperServer.EnsureInstalled();
        Exception? last = null;

        // Ports are picked free but could be taken before the JVM binds them: retry with new ones.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var root = Path.Combine(Path.GetTempPath(), "zk-test-" + Guid.NewGuid().ToString("N")[..12]);
            var servers = new List<ZooKeeperServer>();
            var ensemble = new ZooKeeperEnsemble(root, servers);
            try
            {
                var clientPorts = Enumerable.Range(0, size).Select(_ => Ports.Free()).ToArray();
                var quorum = size == 1
                    ? string.Empty
                    : string.Join('\n', Enumerable.Range(1, size).Select(i => $"server.{i}=127.0.0.1:{Ports.Free()}:{Ports.Free()}"));
                for (var i = 0; i < size; i++)
                {
                    servers.Add(new ZooKeeperServer(i + 1, Path.Combine(root, $"s{i + 1}"), clientPorts[i], quorum));
                }

                foreach (var s in servers)
                {
                    s.Start();
                }

                await ensemble.WaitAllReadyAsync(timeout ?? TimeSpan.FromSeconds(60));
                return ensemble;
            }
            catch (Exception ex) when (attempt < 2 && ex.Message.Contains("Address already in use", StringComparison.Ordinal))
            {
                last = ex;
                await ensemble.DisposeAsync();
            }
            catch
            {
                await ensemble.DisposeAsync();
                throw;
            }
        }

        throw last!;
    }

    public async Task WaitAllReadyAsync(TimeSpan timeout)
    {
        await Task.WhenAll(Servers.Where(s => s.IsRunning).Select(s => s.WaitReadyAsync(timeout)));
    }

    /// <summary>Restarts any server a test stopped, so each test starts with the whole ensemble.</summary>
    public async Task EnsureAllRunningAsync()
    {
        foreach (var s in Servers.Where(s => !s.IsRunning))
        {
            s.Start();
        }

        await WaitAllReadyAsync(TimeSpan.FromSeconds(60));
    }

    public ZooKeeperServer ServerAt(string address) => Servers.Single(s => s.Address == address);

    public async ValueTask DisposeAsync()
    {
        foreach (var s in Servers)
        {
            await s.DisposeAsync();
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
