namespace StormSharp.Runtime.Tests;

/// <summary>A local cluster per test and two board keys, all released when the test ends.</summary>
public abstract class ClusterTestBase : IDisposable
{
    protected string Key { get; } = Board.NewKey();

    protected string OtherKey { get; } = Board.NewKey();

    protected LocalCluster Cluster { get; } = new();

    public void Dispose()
    {
        Cluster.Dispose();
        Board.Forget(Key);
        Board.Forget(OtherKey);
    }
}
