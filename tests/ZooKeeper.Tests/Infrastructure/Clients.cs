namespace StormSharp.ZooKeeper.Tests.Infrastructure;

/// <summary>Connects clients for a test and closes them all when it ends, whatever the outcome.</summary>
public sealed class Clients : IAsyncDisposable
{
    private readonly List<ZooKeeperClient> _clients = [];

    public Clients(string connectionString)
    {
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    public static TimeSpan SessionTimeout { get; } = TimeSpan.FromMilliseconds(4000);

    public async Task<ZooKeeperClient> ConnectAsync(string? chroot = null, TimeSpan? sessionTimeout = null, Action<ConnectionState>? onState = null)
    {
        var options = new ZooKeeperClientOptions
        {
            ConnectionString = ConnectionString + (chroot ?? string.Empty),
            SessionTimeout = sessionTimeout ?? SessionTimeout,
            ConnectTimeout = TimeSpan.FromSeconds(15),
            OnConnectionStateChanged = onState,
        };
        var client = await ZooKeeperClient.ConnectAsync(options).Within("a session from " + ConnectionString, TimeSpan.FromSeconds(20));
        lock (_clients)
        {
            _clients.Add(client);
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        List<ZooKeeperClient> all;
        lock (_clients)
        {
            all = [.. _clients];
        }

        await Task.WhenAll(all.Select(c => c.CloseAsync())).Within("clients to close", TimeSpan.FromSeconds(20));
    }
}
