using System.Text;

namespace StormSharp.ZooKeeper.Tests.Infrastructure;

/// <summary>
/// A test class against the shared standalone server: one connected client (<see cref="Zk"/>), a root node of its
/// own so classes never see each other's nodes, and every client it opens closed when the test ends.
/// </summary>
public abstract class RootedClientTest(StandaloneServerFixture server, string prefix) : IAsyncLifetime
{
    protected StandaloneServerFixture Server { get; } = server;

    protected Clients Clients { get; } = new(server.ConnectionString);

    protected string Root { get; } = "/" + prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    protected ZooKeeperClient Zk { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Zk = await Clients.ConnectAsync();
        await Zk.CreateAsync(Root, Array.Empty<byte>(), Acls.OpenUnsafe).Within("root node create");
    }

    public async Task DisposeAsync() => await Clients.DisposeAsync();

    protected static byte[] B(string s) => Encoding.UTF8.GetBytes(s);
}
