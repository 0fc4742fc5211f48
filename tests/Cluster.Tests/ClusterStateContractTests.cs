using StormSharp.ZooKeeper.Tests.Infrastructure;

namespace StormSharp.Cluster.Tests;

/// <summary>
/// What every <see cref="IClusterState"/> must do, run against each implementation by a derived
/// class. Each test works on a cluster state of its own; every session it opens is closed after it.
/// </summary>
public abstract class ClusterStateContractTests : IAsyncLifetime
{
    private readonly List<IClusterState> _sessions = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var session in _sessions)
        {
            await session.DisposeAsync().AsTask().Within("a cluster-state session to close");
        }
    }

    /// <summary>Opens another session on this test's cluster state, as another daemon would.</summary>
    protected abstract Task<IClusterState> OpenAsync();

    /// <summary>Makes the session expire as the store would on a timeout, and returns once it has.</summary>
    protected abstract Task ExpireSessionAsync(IClusterState state);

    protected async Task<IClusterState> SessionAsync()
    {
        var session = await OpenAsync().Within("a cluster-state session to open");
        _sessions.Add(session);
        return session;
    }

    [Fact]
    public async Task RegisterSupervisor_ThenGet_RoundTripsEveryField()
    {
        var cs = await SessionAsync();
        var info = Supervisor("host-a", 6700, 6701);

        await cs.RegisterSupervisorAsync("sup-a", info);

        Assert.Equal(info, await cs.GetSupervisorAsync("sup-a"));
        var all = await cs.GetSupervisorsAsync();
        Assert.Equal(info, Assert.Single(all, kv => kv.Key == "sup-a").Value);
        Assert.Null(await cs.GetSupervisorAsync("sup-missing"));
    }

    [Fact]
    public async Task RegisterSupervisor_Again_UpdatesInfo()
    {
        var cs = await SessionAsync();
        await cs.RegisterSupervisorAsync("sup-a", Supervisor("host-a", 6700));

        await cs.RegisterSupervisorAsync("sup-a", Supervisor("host-a", 6700, 6701));

        Assert.Equal([6700, 6701], (await cs.GetSupervisorAsync("sup-a"))!.SlotPorts);
    }

    [Fact]
    public async Task SetStormBase_ThenGet_RoundTripsEveryFieldAndListsTheTopology()
    {
        var cs = await SessionAsync();
        var storm = StormBase("wordcount");

        var version = await cs.SetStormBaseAsync("wordcount-1-1700000000", storm, StateVersion.Absent);

        var read = await cs.GetStormBaseAsync("wordcount-1-1700000000");
        Assert.NotNull(read);
        Assert.Equal(storm, read.Value);
        Assert.Equal(version, read.Version);
        Assert.Equal(["wordcount-1-1700000000"], await cs.GetActiveStormsAsync());
        Assert.Null(await cs.GetStormBaseAsync("absent-1-1"));
    }

    [Fact]
    public async Task SetAssignment_ThenGet_RoundTripsEveryField()
    {
        var cs = await SessionAsync();
        var assignment = Assignment(6700);

        await cs.SetAssignmentAsync("topo-1", assignment);

        var read = await cs.GetAssignmentAsync("topo-1");
        Assert.NotNull(read);
        Assert.Equal(assignment, read.Value);
        var all = await cs.GetAssignmentsAsync();
        Assert.Equal(assignment, Assert.Single(all, kv => kv.Key == "topo-1").Value.Value);
    }

    [Fact]
    public async Task ReportError_ThenGetErrors_RoundTripsNewestFirst()
    {
        var cs = await SessionAsync();
        var first = Error("split / sentence", 1, "first");
        var second = Error("split / sentence", 2, "second");

        await cs.ReportErrorAsync("topo-1", first);
        await cs.ReportErrorAsync("topo-1", second);

        Assert.Equal([second, first], await cs.GetErrorsAsync("topo-1", "split / sentence"));
        Assert.Empty(await cs.GetErrorsAsync("topo-1", "other"));
    }

    [Fact]
    public async Task RegisterNimbus_ThenGetNimbuses_RoundTripsEveryField()
    {
        var cs = await SessionAsync();
        var b = new NimbusSummary { Host = "nimbus-b", Port = 6627, StartTimeMs = 1_700_000_000_000, Version = "1.2.3" };
        var a = new NimbusSummary { Host = "nimbus-a", Port = 6627, StartTimeMs = 1_700_000_000_001, Version = "1.2.3" };

        await cs.RegisterNimbusAsync(b);
        await cs.RegisterNimbusAsync(a);

        Assert.Equal([a, b], await cs.GetNimbusesAsync());
    }

    [Fact]
    public async Task AddBlobHolder_ThenRemoveBlob_ListsAndForgetsHolders()
    {
        var cs = await SessionAsync();

        await cs.AddBlobHolderAsync("topo-1-stormjar", "nimbus-b:6627");
        await cs.AddBlobHolderAsync("topo-1-stormjar", "nimbus-a:6627");
        await cs.AddBlobHolderAsync("topo-1-stormjar", "nimbus-a:6627");
        await cs.AddBlobHolderAsync("topo-2-stormjar", "nimbus-a:6627");

        Assert.Equal(["nimbus-a:6627", "nimbus-b:6627"], await cs.GetBlobHoldersAsync("topo-1-stormjar"));
        Assert.Equal(["topo-1-stormjar", "topo-2-stormjar"], await cs.GetBlobKeysAsync());

        await cs.RemoveBlobAsync("topo-1-stormjar");

        Assert.Empty(await cs.GetBlobHoldersAsync("topo-1-stormjar"));
        Assert.Equal(["topo-2-stormjar"], await cs.GetBlobKeysAsync());
    }

    [Fact]
    public async Task SetAssignment_WithStaleVersion_ThrowsConflictAndKeepsTheWinner()
    {
        var cs = await SessionAsync();
        var v0 = await cs.SetAssignmentAsync("topo-1", Assignment(6700), StateVersion.Absent);
        var v1 = await cs.SetAssignmentAsync("topo-1", Assignment(6701), v0);
        Assert.NotEqual(v0, v1);

        var conflict = await Assert.ThrowsAsync<ClusterStateConflictException>(() => cs.SetAssignmentAsync("topo-1", Assignment(6702), v0));

        Assert.Equal(v0, conflict.ExpectedVersion);
        Assert.Contains("topo-1", conflict.Message, StringComparison.Ordinal);
        Assert.Equal(Assignment(6701), (await cs.GetAssignmentAsync("topo-1"))!.Value);
    }

    [Fact]
    public async Task SetStormBase_AbsentWhenPresentOrVersionWhenMissing_ThrowsConflict()
    {
        var cs = await SessionAsync();
        await cs.SetStormBaseAsync("topo-1", StormBase("a"), StateVersion.Absent);

        await Assert.ThrowsAsync<ClusterStateConflictException>(() => cs.SetStormBaseAsync("topo-1", StormBase("b"), StateVersion.Absent));
        await Assert.ThrowsAsync<ClusterStateConflictException>(() => cs.SetStormBaseAsync("topo-missing", StormBase("c"), 0));
        Assert.Equal("a", (await cs.GetStormBaseAsync("topo-1"))!.Value.Name);
    }

    [Fact]
    public async Task RemoveAssignment_WithStaleVersion_ThrowsConflictThenRemovesWithCurrent()
    {
        var cs = await SessionAsync();
        var v0 = await cs.SetAssignmentAsync("topo-1", Assignment(6700));
        var v1 = await cs.SetAssignmentAsync("topo-1", Assignment(6701), v0);

        await Assert.ThrowsAsync<ClusterStateConflictException>(() => cs.RemoveAssignmentAsync("topo-1", v0));
        Assert.NotNull(await cs.GetAssignmentAsync("topo-1"));

        await cs.RemoveAssignmentAsync("topo-1", v1);
        Assert.Null(await cs.GetAssignmentAsync("topo-1"));
        await cs.RemoveAssignmentAsync("topo-1");
    }

    [Fact]
    public async Task WatchSupervisors_SupervisorJoinsAndItsSessionCloses_ReportsJoinThenLeave()
    {
        var nimbus = await SessionAsync();
        var events = new Events<MembershipChange>();
        await using var watch = await nimbus.WatchSupervisorsAsync(events.Handler);
        var supervisor = await SessionAsync();

        await supervisor.RegisterSupervisorAsync("sup-a", Supervisor("host-a", 6700));
        var joined = await events.NextAsync("the join of sup-a");
        Assert.Equal(["sup-a"], joined.Joined);
        Assert.Empty(joined.Left);

        await supervisor.DisposeAsync();
        var left = await events.NextAsync("the leave of sup-a");
        Assert.Equal(["sup-a"], left.Left);
        Assert.Empty(left.Joined);
    }

    [Fact]
    public async Task WatchAssignments_AssignmentAddedRewrittenRemoved_ReportsEach()
    {
        var nimbus = await SessionAsync();
        var supervisor = await SessionAsync();
        var events = new Events<AssignmentsChange>();
        await using var watch = await supervisor.WatchAssignmentsAsync(events.Handler);

        var v0 = await nimbus.SetAssignmentAsync("topo-1", Assignment(6700));
        Assert.Equal(["topo-1"], (await events.NextAsync("topo-1 added")).Added);

        await nimbus.SetAssignmentAsync("topo-1", Assignment(6701), v0);
        var changed = await events.NextAsync("topo-1 rewritten");
        Assert.Equal(["topo-1"], changed.Changed);
        Assert.Empty(changed.Added);

        await nimbus.RemoveTopologyAsync("topo-1");
        Assert.Equal(["topo-1"], (await events.NextAsync("topo-1 removed")).Removed);
    }

    [Fact]
    public async Task WatchAssignments_AfterDispose_ReportsNothingMore()
    {
        var cs = await SessionAsync();
        var stopped = new Events<AssignmentsChange>();
        var running = new Events<AssignmentsChange>();
        var watch = await cs.WatchAssignmentsAsync(stopped.Handler);
        await using var control = await cs.WatchAssignmentsAsync(running.Handler);

        await watch.DisposeAsync();
        await cs.SetAssignmentAsync("topo-1", Assignment(6700));

        await running.NextAsync("the control watch to see topo-1");
        Assert.Empty(stopped.All);
    }

    [Fact]
    public async Task RegisterSupervisor_SessionCloses_NodeGoneForOthers()
    {
        var nimbus = await SessionAsync();
        var supervisor = await SessionAsync();
        await supervisor.RegisterSupervisorAsync("sup-a", Supervisor("host-a", 6700));
        Assert.NotNull(await nimbus.GetSupervisorAsync("sup-a"));

        await supervisor.DisposeAsync();

        // Closing a session removes its ephemeral nodes before the close completes.
        Assert.Null(await nimbus.GetSupervisorAsync("sup-a"));
        Assert.Empty(await nimbus.GetSupervisorsAsync());
    }

    [Fact]
    public async Task RegisterSupervisor_SameIdFromNewSession_TakesOverTheStaleNode()
    {
        var observer = await SessionAsync();
        var oldRun = await SessionAsync();
        var newRun = await SessionAsync();
        await oldRun.RegisterSupervisorAsync("sup-a", Supervisor("old-host", 6700));

        await newRun.RegisterSupervisorAsync("sup-a", Supervisor("new-host", 6700));
        await oldRun.DisposeAsync();

        Assert.Equal("new-host", (await observer.GetSupervisorAsync("sup-a"))?.Host);
    }

    [Fact]
    public async Task RemoveSupervisor_OwnRegistration_NodeGone()
    {
        var cs = await SessionAsync();
        await cs.RegisterSupervisorAsync("sup-a", Supervisor("host-a", 6700));

        await cs.RemoveSupervisorAsync("sup-a");

        Assert.Null(await cs.GetSupervisorAsync("sup-a"));
    }

    [Fact]
    public async Task LeaderElection_TwoContenders_OneLeadsAndTheOtherTakesOverWhenItsSessionCloses()
    {
        var first = await SessionAsync();
        var second = await SessionAsync();
        var secondChanges = new Events<bool>();
        second.LeadershipChanged += secondChanges.Handler;

        await first.JoinLeaderElectionAsync("nimbus-a:6627");
        await first.WaitForLeadershipAsync().Within("nimbus-a to lead");
        await second.JoinLeaderElectionAsync("nimbus-b:6627");

        Assert.True(first.IsLeader);
        Assert.False(second.IsLeader);
        Assert.Equal("nimbus-a:6627", await second.GetLeaderAsync());

        await first.DisposeAsync();
        await second.WaitForLeadershipAsync().Within("nimbus-b to take over");

        Assert.True(second.IsLeader);
        Assert.True(await secondChanges.NextAsync("nimbus-b's LeadershipChanged(true)"));
        Assert.Equal("nimbus-b:6627", await second.GetLeaderAsync());
    }

    [Fact]
    public async Task LeaveLeaderElection_Leader_ReportsLossAndNoOneLeads()
    {
        var cs = await SessionAsync();
        var changes = new Events<bool>();
        cs.LeadershipChanged += changes.Handler;
        await cs.JoinLeaderElectionAsync("nimbus-a:6627");
        Assert.True(await changes.NextAsync("leadership gained"));

        await cs.LeaveLeaderElectionAsync();

        Assert.False(await changes.NextAsync("leadership lost"));
        Assert.False(cs.IsLeader);
        Assert.Null(await cs.GetLeaderAsync());
    }

    [Fact]
    public async Task ReportError_BeyondTheCap_KeepsTheNewestTen()
    {
        var cs = await SessionAsync();
        for (var i = 0; i < 13; i++)
        {
            await cs.ReportErrorAsync("topo-1", Error("count", i, $"error {i}"));
        }

        var errors = await cs.GetErrorsAsync("topo-1", "count");

        Assert.Equal(Enumerable.Range(3, 10).Reverse().Select(i => $"error {i}"), errors.Select(e => e.Message));
    }

    [Fact]
    public async Task RemoveTopology_WithStormAssignmentAndErrors_RemovesThemAll()
    {
        var cs = await SessionAsync();
        await cs.SetStormBaseAsync("topo-1", StormBase("one"));
        await cs.SetAssignmentAsync("topo-1", Assignment(6700));
        await cs.ReportErrorAsync("topo-1", Error("split", 1, "boom"));
        await cs.ReportErrorAsync("topo-1", Error("count", 2, "bang"));
        await cs.SetStormBaseAsync("topo-2", StormBase("two"));
        await cs.ReportErrorAsync("topo-2", Error("split", 1, "kept"));

        await cs.RemoveTopologyAsync("topo-1");

        Assert.Null(await cs.GetStormBaseAsync("topo-1"));
        Assert.Null(await cs.GetAssignmentAsync("topo-1"));
        Assert.Empty(await cs.GetErrorsAsync("topo-1", "split"));
        Assert.Empty(await cs.GetErrorsAsync("topo-1", "count"));
        Assert.Equal(["topo-2"], await cs.GetActiveStormsAsync());
        Assert.Single(await cs.GetErrorsAsync("topo-2", "split"));
        await AssertTopologyGoneAsync("topo-1");

        await cs.RemoveTopologyAsync("topo-1");
    }

    [Fact]
    public async Task RemoveErrors_OfOneTopology_LeavesTheRest()
    {
        var cs = await SessionAsync();
        await cs.SetStormBaseAsync("topo-1", StormBase("one"));
        await cs.ReportErrorAsync("topo-1", Error("split", 1, "boom"));

        await cs.RemoveErrorsAsync("topo-1");

        Assert.Empty(await cs.GetErrorsAsync("topo-1", "split"));
        Assert.NotNull(await cs.GetStormBaseAsync("topo-1"));
    }

    [Fact]
    public async Task ExpireSession_Supervisor_IsRegisteredAgainAndWatchersSeeItLeaveAndReturn()
    {
        var nimbus = await SessionAsync();
        var supervisor = await SessionAsync();
        await supervisor.RegisterSupervisorAsync("sup-a", Supervisor("host-a", 6700));
        var events = new Events<MembershipChange>();
        await using var watch = await nimbus.WatchSupervisorsAsync(events.Handler);

        await ExpireSessionAsync(supervisor);

        await Deadline.Until(async () => await nimbus.GetSupervisorAsync("sup-a") is not null, "sup-a is registered again after its session expired");
        Assert.Equal("host-a", (await supervisor.GetSupervisorAsync("sup-a"))?.Host);

        // Whether the watcher saw the gap depends on timing; what it must not do is end believing sup-a left.
        await supervisor.RemoveSupervisorAsync("sup-a");
        await events.WaitForAsync(e => e.Left.Contains("sup-a"), "sup-a to be seen leaving");
    }

    [Fact]
    public async Task ExpireSession_Watcher_StillSeesChangesMadeDuringAndAfterTheExpiry()
    {
        var nimbus = await SessionAsync();
        var supervisor = await SessionAsync();
        var events = new Events<AssignmentsChange>();
        await using var watch = await supervisor.WatchAssignmentsAsync(events.Handler);
        var v0 = await nimbus.SetAssignmentAsync("topo-1", Assignment(6700));
        await events.WaitForAsync(e => e.Added.Contains("topo-1"), "topo-1 added before the expiry");

        await ExpireSessionAsync(supervisor);
        await nimbus.SetAssignmentAsync("topo-1", Assignment(6701), v0);
        await events.WaitForAsync(e => e.Changed.Contains("topo-1"), "topo-1 rewritten around the expiry");
        await nimbus.SetAssignmentAsync("topo-2", Assignment(6702));

        await events.WaitForAsync(e => e.Added.Contains("topo-2"), "topo-2 added after the expiry");
    }

    [Fact]
    public async Task ExpireSession_Leader_LosesLeadershipAndTheOtherTakesOver()
    {
        var first = await SessionAsync();
        var second = await SessionAsync();
        var firstChanges = new Events<bool>();
        first.LeadershipChanged += firstChanges.Handler;
        await first.JoinLeaderElectionAsync("nimbus-a:6627");
        await first.WaitForLeadershipAsync().Within("nimbus-a to lead");
        await second.JoinLeaderElectionAsync("nimbus-b:6627");

        await ExpireSessionAsync(first);

        await second.WaitForLeadershipAsync().Within("nimbus-b to take over from the expired leader");
        await firstChanges.WaitForAsync(leading => !leading, "nimbus-a's LeadershipChanged(false)");
        await Deadline.Until(async () => await second.GetLeaderAsync() == "nimbus-b:6627", "nimbus-b is the recorded leader");
        Assert.False(first.IsLeader);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("bad\nid")]
    public async Task SetAssignment_InvalidTopologyId_ThrowsArgumentExceptionNamingIt(string id)
    {
        var cs = await SessionAsync();

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => cs.SetAssignmentAsync(id, Assignment(6700)));

        Assert.Contains("topology id", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>Implementations may look deeper than the contract (at the store itself) to show nothing is left behind.</summary>
    protected virtual Task AssertTopologyGoneAsync(string topologyId) => Task.CompletedTask;

    protected static SupervisorInfo Supervisor(string host, params int[] ports)
    {
        var info = new SupervisorInfo { Host = host, StartTimeMs = 1_700_000_000_000, Version = "0.1.0" };
        info.SlotPorts.AddRange(ports);
        return info;
    }

    protected static StormBase StormBase(string name)
    {
        var storm = new StormBase
        {
            Name = name,
            Status = TopologyStatus.Rebalancing,
            PreviousStatus = TopologyStatus.Active,
            NumWorkers = 2,
            LaunchTimeMs = 1_700_000_000_123,
            Owner = "alice",
            PackageKey = name + "-1-1700000000-stormjar",
            PackageChecksum = "sha256:00ff",
        };
        storm.ComponentExecutors.Add("spout", 2);
        storm.ComponentExecutors.Add("split", 4);
        return storm;
    }

    protected static Assignment Assignment(int port)
    {
        var assignment = new Assignment();
        assignment.Executors.Add(new ExecutorAssignment { Component = "spout", FirstTask = 1, LastTask = 2, NodeId = "sup-a", Port = port });
        assignment.Executors.Add(new ExecutorAssignment { Component = "split", FirstTask = 3, LastTask = 3, NodeId = "sup-b", Port = 6700 });
        assignment.NodeHosts.Add("sup-a", "host-a");
        assignment.NodeHosts.Add("sup-b", "host-b");
        assignment.Workers.Add(new WorkerSlot { NodeId = "sup-a", Port = port, StartTimeMs = 1_700_000_000_500 });
        assignment.Workers.Add(new WorkerSlot { NodeId = "sup-b", Port = 6700, StartTimeMs = 1_700_000_000_501 });
        return assignment;
    }

    protected static ErrorInfo Error(string component, int task, string message) =>
        new() { Component = component, TaskId = task, Host = "host-a", Port = 6700, TimeMs = 1_700_000_000_000 + task, Message = message };
}
