using StormSharp.Benchmarks.Faults;
using StormSharp.Benchmarks.Faults.Rig;
using Xunit.Abstractions;

namespace StormSharp.Faults.Tests;

/// <summary>
/// The cluster on hosts of its own (network namespaces: ZooKeeper ensemble, two Nimbus, three supervisors, all real
/// processes), shared by the fault tests, which run one after another. Needs root; without it every test fails and
/// says why (they are not skipped).
/// </summary>
public sealed class FaultClusterFixture : IAsyncLifetime
{
    private readonly List<string> _log = [];

    internal FaultCluster? Cluster { get; private set; }

    /// <summary>Why the cluster could not start, or null.</summary>
    public string? Unavailable { get; private set; }

    internal Action<string>? Output { get; set; }

    public async Task InitializeAsync()
    {
        Unavailable = Hosts.Unavailable();
        if (Unavailable is not null)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            Cluster = await FaultCluster.StartAsync(Log, timeout.Token);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException or OperationCanceledException)
        {
            Unavailable = "the cluster did not start: " + e.Message;
        }
    }

    public Task DisposeAsync()
    {
        Cluster?.Dispose();
        return Task.CompletedTask;
    }

    internal void Log(string line)
    {
        lock (_log)
        {
            _log.Add(line);
        }

        Output?.Invoke(line);
    }
}

[CollectionDefinition(Name)]
public sealed class FaultCollection : ICollectionFixture<FaultClusterFixture>
{
    public const string Name = "fault cluster";
}

/// <summary>
/// Each fault of <c>benchmarks/run faults</c> during a run of 30,000 numbered records at 1,500/s: nothing the spouts
/// emitted is missing from the sink (read from its files, not from the topology), and the cluster heals to exactly its
/// assigned workers.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class FaultMatrixTests(FaultClusterFixture fixture, ITestOutputHelper output)
{
    private const long Records = 30_000;
    private const double Rate = 1_500;

    [Fact]
    public Task WorkerSigkilled_RestartedByItsSupervisor_NothingLost() => RunAsync("worker_kill");

    [Fact]
    public Task SupervisorSigkilled_WorkersKeepRunningThenMovedWhenTheHostIsGone_NothingLost() => RunAsync("supervisor_kill");

    [Fact]
    public Task NimbusLeaderSigkilled_TheOtherLeadsAndTheKilledRejoins_NothingLost() => RunAsync("nimbus_kill");

    [Fact]
    public Task EveryNimbusDown_TopologiesKeepProcessing_NothingLost() => RunAsync("nimbus_all_down");

    [Fact]
    public Task OneZooKeeperServerKilled_NothingLost() => RunAsync("zookeeper_one_down");

    [Fact]
    public Task EveryZooKeeperServerDownPastTheSessionTimeout_NoDaemonOrWorkerRestarts_NothingLost() => RunAsync("zookeeper_all_down");

    [Fact]
    public Task SupervisorHostPartitioned_ReplayedAndReassigned_StaleWorkersStoppedOnHeal_NothingLost() => RunAsync("partition");

    [Fact]
    public Task WorkerFrozenPastTheMessageTimeout_ReplayedAndNotLeftAsASecondCopy_NothingLost() => RunAsync("worker_freeze");

    private async Task RunAsync(string fault)
    {
        Assert.True(fixture.Unavailable is null, fixture.Unavailable);
        fixture.Output = line => output.WriteLine(line);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
            var result = await FaultMatrix.RunAsync(fixture.Cluster!, fault, Records, Rate, fixture.Log, timeout.Token);
            if (result.Failure is not null || result.Missing != 0)
            {
                fixture.Cluster!.KeepRunDirectory = true;
            }

            Assert.Null(result.Failure);
            Assert.Equal(0, result.Missing);
            Assert.Equal(Records, result.Records);
        }
        finally
        {
            fixture.Output = null;
        }
    }
}
