namespace StormSharp.ZooKeeper.Tests.Infrastructure;

/// <summary>One standalone server shared by the tests of the "standalone" collection.</summary>
public sealed class StandaloneServerFixture : IAsyncLifetime
{
    private ZooKeeperEnsemble? _ensemble;

    public ZooKeeperEnsemble Ensemble => _ensemble ?? throw new InvalidOperationException("fixture not started");

    public string ConnectionString => Ensemble.ConnectionString;

    public async Task InitializeAsync() => _ensemble = await ZooKeeperEnsemble.StartAsync(1);

    public async Task DisposeAsync()
    {
        if (_ensemble is not null)
        {
            await _ensemble.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class StandaloneCollection : ICollectionFixture<StandaloneServerFixture>
{
    public const string Name = "standalone";
}
