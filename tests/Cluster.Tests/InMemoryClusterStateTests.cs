namespace StormSharp.Cluster.Tests;

public sealed class InMemoryClusterStateTests : ClusterStateContractTests
{
    private InMemoryClusterState? _first;

    protected override Task<IClusterState> OpenAsync()
    {
        if (_first is null)
        {
            _first = new InMemoryClusterState();
            return Task.FromResult<IClusterState>(_first);
        }

        return Task.FromResult<IClusterState>(_first.OpenSession());
    }

    protected override Task ExpireSessionAsync(IClusterState state)
    {
        ((InMemoryClusterState)state).ExpireSession();
        return Task.CompletedTask;
    }
}
