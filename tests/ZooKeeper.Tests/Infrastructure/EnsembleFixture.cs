namespace StormSharp.ZooKeeper.Tests.Infrastructure;

/// <summary>A three-server quorum shared by the failover tests; each test may kill servers and restarts them first.</summary>
public sealed class EnsembleFixture : IAsyncLifetime
{
    private ZooKeeperEnsemble? _ensemble;

    public ZooKeeperEnsemble Ensemble => _ensemble ?? throw new InvalidOperationException("fixture not started");

    public async Task InitializeAsync() => _ensemble = await ZooKeeperEnsemble.StartAsync(3, TimeSpan.FromSeconds(90));

    public async Task DisposeAsync()
    {
        if (_ensemble is not null)
        {
            await _ensemble.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class EnsembleCollection : ICollectionFixture<EnsembleFixture>
{
    public const string Name = "ensemble";
}
