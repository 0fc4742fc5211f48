using Grpc.Core;
using StormSharp.Cluster;
using StormSharp.Cluster.Rpc;
using StormSharp.Examples.WordCount;
using StormSharp.Topology;
using StormSharp.ZooKeeper.Tests.Infrastructure;

namespace StormSharp.Nimbus.Tests;

/// <summary>
/// Nimbus's behaviour through its gRPC API, on a cluster state given by the subclass (a real ZooKeeper, or in
/// memory). Supervisors are registered records on sessions of their own; their workers' heartbeats are sent by the test.
/// </summary>
public abstract class NimbusContractTests : IAsyncLifetime
{
    private readonly List<NimbusDaemon> _nimbuses = [];
    private readonly List<IClusterState> _sessions = [];
    private readonly List<NimbusRpc> _clients = [];
    private readonly string _dir = Directory.CreateTempSubdirectory("nimbus-tests-").FullName;

    /// <summary>The test's view of the cluster state.</summary>
    protected IClusterState State { get; private set; } = null!;

    /// <summary>Another session on the test's cluster state.</summary>
    protected abstract Task<IClusterState> OpenSessionAsync();

    /// <summary>Starts a Nimbus on the test's cluster; <paramref name="conf"/> comes from <see cref="Conf"/>.</summary>
    protected abstract Task<NimbusDaemon> StartNimbusCoreAsync(Dictionary<string, object?> conf);

    /// <summary>Stops a Nimbus started by <see cref="StartNimbusCoreAsync"/> and releases its session.</summary>
    protected virtual async Task StopNimbusCoreAsync(NimbusDaemon nimbus) => await nimbus.StopAsync(CancellationToken.None).Within("Nimbus to stop");

    public async Task InitializeAsync() => State = await OpenSessionAsync();

    public async Task DisposeAsync()
    {
        foreach (var c in _clients)
        {
            c.Dispose();
        }

        foreach (var n in _nimbuses)
        {
            await StopNimbusCoreAsync(n);
        }

        foreach (var s in _sessions)
        {
            await s.DisposeAsync();
        }

        await State.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Test settings: loopback, any free port, small timeouts; <paramref name="overrides"/> last.</summary>
    protected virtual Dictionary<string, object?> Conf(string localDir, params (string Key, object? Value)[] overrides)
    {
        var conf = new Dictionary<string, object?>(Runtime.Configuration.ConfigLoader.Defaults, StringComparer.Ordinal)
        {
            ["nimbus.thrift.port"] = 0,
            ["storm.local.hostname"] = "127.0.0.1",
            ["storm.local.dir"] = localDir,
            ["nimbus.monitor.freq.secs"] = 1,
            ["nimbus.task.timeout.secs"] = 1,
            ["nimbus.task.launch.secs"] = 60,
        };
        foreach (var (k, v) in overrides)
        {
            conf[k] = v;
        }

        return conf;
    }

    private async Task<(NimbusDaemon Nimbus, NimbusRpc Rpc)> StartNimbusAsync(string name = "n1", params (string Key, object? Value)[] overrides)
    {
        var nimbus = await StartNimbusCoreAsync(Conf(Path.Combine(_dir, name), overrides)).Within("Nimbus to start");
        _nimbuses.Add(nimbus);
        var rpc = new NimbusRpc(nimbus.Port);
        _clients.Add(rpc);
        return (nimbus, rpc);
    }

    private async Task StopAsync(NimbusDaemon nimbus)
    {
        _nimbuses.Remove(nimbus);
        await StopNimbusCoreAsync(nimbus);
    }

    private async Task<IClusterState> RegisterSupervisorAsync(string id, params int[] ports)
    {
        var session = await OpenSessionAsync();
        _sessions.Add(session);
        var info = new SupervisorInfo { Host = "127.0.0.1", StartTimeMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Version = "test" };
        info.SlotPorts.Add(ports);
        await session.RegisterSupervisorAsync(id, info).Within("registering " + id);
        return session;
    }

    private static Task<string> SubmitWordCountAsync(NimbusRpc rpc, string name = "word-count", int workers = 2, int replication = 1)
    {
        var (bytes, packed) = Packages.WordCount;
        var conf = new Dictionary<string, object?>
        {
            ["topology.workers"] = workers,
            ["topology.message.timeout.secs"] = 5,
            ["topology.min.replication.count"] = replication,
            ["topology.max.replication.wait.time.sec"] = 30,
        };
        return rpc.SubmitAsync(name, NimbusRpc.Document(WordCountTopology.Build(), conf), bytes, packed.Sha256).Within("submit of " + name);
    }

    private async Task<Assignment> AssignmentWhenAsync(string id, Func<Assignment, bool> condition, string what)
    {
        Assignment? last = null;
        await Deadline.Until(
            async () =>
            {
                last = (await State.GetAssignmentAsync(id))?.Value;
                return last is not null && condition(last);
            },
            what + " (last assignment: " + (last?.ToString() ?? "none") + ")");
        return last!;
    }

    private string BlobDir(string nimbus, string key) => Path.Combine(_dir, nimbus, "nimbus", "blobs", key);

    [Fact]
    public async Task Submit_WordCount_WritesStormBaseAndAssignmentSpreadOverTwoSupervisors()
    {
        await RegisterSupervisorAsync("sup-a", 6700, 6701);
        await RegisterSupervisorAsync("sup-b", 6700, 6701);
        var (_, rpc) = await StartNimbusAsync();

        var id = await SubmitWordCountAsync(rpc);

        Assert.Matches(@"^word-count-\d+-\d+$", id);
        var stormBase = (await State.GetStormBaseAsync(id))!.Value;
        Assert.Equal(TopologyStatus.Active, stormBase.Status);
        Assert.Equal(2, stormBase.NumWorkers);
        Assert.Equal("tester", stormBase.Owner);
        Assert.Equal(new Dictionary<string, int> { ["__acker"] = 2, ["count"] = 2, ["report"] = 1, ["sentences"] = 1, ["split"] = 2 }, stormBase.ComponentExecutors.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary());
        Assert.Equal("sha256:" + Packages.WordCount.Result.Sha256, stormBase.PackageChecksum);
        var assignment = (await State.GetAssignmentAsync(id))!.Value;
        Assert.Equal(8, assignment.Executors.Count);
        Assert.Equal(["sup-a:6700", "sup-b:6700"], assignment.Workers.Select(w => $"{w.NodeId}:{w.Port}").Order(StringComparer.Ordinal));
        Assert.Equal(4, assignment.Executors.Count(e => e.NodeId == "sup-a"));
        Assert.Equal(4, assignment.Executors.Count(e => e.NodeId == "sup-b"));
        Assert.Equal("127.0.0.1", assignment.NodeHosts["sup-a"]);
        Assert.True(Directory.Exists(BlobDir("n1", id + "-package")), "the package blob is stored");
        Assert.True(Directory.Exists(BlobDir("n1", id + "-document")), "the document blob is stored");

        var info = await rpc.Client.GetClusterInfoAsync(new Empty(), deadline: NimbusRpc.Deadline);
        var summary = Assert.Single(info.Topologies);
        Assert.Equal(("word-count", "ACTIVE", 2, 8, string.Empty), (summary.Name, summary.Status, summary.NumWorkers, summary.NumExecutors, summary.SchedulerMessage));
        Assert.Equal([1, 1], info.Supervisors.Select(s => s.SlotsUsed));
        Assert.True(Assert.Single(info.Nimbuses).IsLeader);

        var document = await rpc.Client.GetTopologyDocumentAsync(new TopologyRequest { Id = id }, deadline: NimbusRpc.Deadline);
        Assert.Equal(Packages.WordCount.Result.Sha256, document.PackageSha256);
        Assert.Equal("StormSharp.Examples.WordCount.dll", document.EntryAssembly);
        var (_, conf) = Runtime.Serialization.TopologyDocument.Read(document.Document.Span);
        Assert.Equal(2, conf["topology.acker.executors"]);
        Assert.Equal("word-count", conf["topology.name"]);
        using var download = rpc.Client.DownloadPackage(new TopologyRequest { Id = id }, deadline: NimbusRpc.Deadline);
        var bytes = new List<byte>();
        await foreach (var chunk in download.ResponseStream.ReadAllAsync())
        {
            bytes.AddRange(chunk.Data);
        }

        Assert.Equal(Packages.WordCount.Bytes, bytes);
    }

    [Fact]
    public async Task Submit_TooFewSlots_SchedulesWhatFitsWithAMessage()
    {
        await RegisterSupervisorAsync("sup-a", 6700);
        var (_, rpc) = await StartNimbusAsync();

        var id = await SubmitWordCountAsync(rpc, workers: 2);

        var assignment = (await State.GetAssignmentAsync(id))!.Value;
        Assert.Single(assignment.Workers);
        Assert.Equal(8, assignment.Executors.Count);
        var summary = Assert.Single((await rpc.Client.GetClusterInfoAsync(new Empty(), deadline: NimbusRpc.Deadline)).Topologies);
        Assert.Equal("1 of 2 workers scheduled: too few free slots", summary.SchedulerMessage);
    }

    [Fact]
    public async Task Submit_BadTopologies_RefusedWithReasonsAndNimbusStaysUp()
    {
        await RegisterSupervisorAsync("sup-a", 6700, 6701);
        var (_, rpc) = await StartNimbusAsync();
        var (bytes, packed) = Packages.WordCount;
        var conf = new Dictionary<string, object?> { ["topology.workers"] = 1 };

        var graph = new TopologyBuilder();
        graph.SetSpout("sentences", new RandomSentenceSpout(), 1);
        graph.SetBolt("split", new SplitSentenceBolt(), 1).ShuffleGrouping("nowhere");
        var invalid = await Assert.ThrowsAsync<RpcException>(() => rpc.SubmitAsync("bad-graph", NimbusRpc.Document(graph.CreateTopology(), conf), bytes, packed.Sha256));
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        Assert.Contains("nowhere", invalid.Status.Detail, StringComparison.Ordinal);

        var outside = new TopologyBuilder();
        outside.SetSpout("sentences", new OutsideSpout(), 1);
        var missing = await Assert.ThrowsAsync<RpcException>(() => rpc.SubmitAsync("missing-type", NimbusRpc.Document(outside.CreateTopology(), conf), bytes, packed.Sha256));
        Assert.Equal(StatusCode.InvalidArgument, missing.StatusCode);
        Assert.Contains(nameof(OutsideSpout), missing.Status.Detail, StringComparison.Ordinal);

        var badConf = new Dictionary<string, object?> { ["topology.workers"] = "two" };
        var typed = await Assert.ThrowsAsync<RpcException>(() => rpc.SubmitAsync("bad-conf", NimbusRpc.Document(WordCountTopology.Build(), badConf), bytes, packed.Sha256));
        Assert.Contains("topology.workers", typed.Status.Detail, StringComparison.Ordinal);

        var (notDll, notDllPacked) = Packages.NotAnAssembly();
        var notAssembly = await Assert.ThrowsAsync<RpcException>(() => rpc.SubmitAsync("not-assembly", NimbusRpc.Document(WordCountTopology.Build(), conf), notDll, notDllPacked.Sha256));
        Assert.Equal(StatusCode.InvalidArgument, notAssembly.StatusCode);
        Assert.Contains("StormSharp.Examples.WordCount.dll", notAssembly.Status.Detail, StringComparison.Ordinal);

        var checksum = await Assert.ThrowsAsync<RpcException>(() => rpc.SubmitAsync("bad-sum", NimbusRpc.Document(WordCountTopology.Build(), conf), bytes, new string('0', 64)));
        Assert.Equal(StatusCode.InvalidArgument, checksum.StatusCode);
        Assert.Contains("SHA-256", checksum.Status.Detail, StringComparison.OrdinalIgnoreCase);

        await SubmitWordCountAsync(rpc, "dup");
        var duplicate = await Assert.ThrowsAsync<RpcException>(() => SubmitWordCountAsync(rpc, "dup"));
        Assert.Equal(StatusCode.AlreadyExists, duplicate.StatusCode);

        Assert.Equal(["dup"], (await rpc.Client.GetClusterInfoAsync(new Empty(), deadline: NimbusRpc.Deadline)).Topologies.Select(t => t.Name));
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir, "n1", "nimbus", "inbox")));
    }

    [Fact]
    public async Task Kill_WithWait_RepliesAtOnceThenRemovesZnodesAndBlobs()
    {
        await RegisterSupervisorAsync("sup-a", 6700, 6701);
        var (_, rpc) = await StartNimbusAsync();
        var id = await SubmitWordCountAsync(rpc);

        var sw = System.Diagnostics.Stopwatch.StartNew();
        await rpc.Client.KillTopologyAsync(new KillRequest { Name = "word-count", WaitSecs = 2 }, deadline: NimbusRpc.Deadline);

        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2), $"the kill waited {sw.Elapsed} before replying");
        Assert.Equal(TopologyStatus.Killed, (await State.GetStormBaseAsync(id))!.Value.Status);
        await Deadline.Until(async () => await State.GetStormBaseAsync(id) is null, "the killed topology's storm base to go");
        Assert.Null(await State.GetAssignmentAsync(id));
        Assert.False(Directory.Exists(BlobDir("n1", id + "-package")), "the package blob is deleted");
        Assert.False(Directory.Exists(BlobDir("n1", id + "-document")), "the document blob is deleted");
        Assert.Empty(await State.GetBlobKeysAsync());
        await SubmitWordCountAsync(rpc);
    }

    [Fact]
    public async Task Kill_UnknownName_NotFound()
    {
        var (_, rpc) = await StartNimbusAsync();

        var e = await Assert.ThrowsAsync<RpcException>(() => rpc.Client.KillTopologyAsync(new KillRequest { Name = "nope" }, deadline: NimbusRpc.Deadline).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, e.StatusCode);
        Assert.Contains("'nope'", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeactivateActivate_FlipStatus()
    {
        await RegisterSupervisorAsync("sup-a", 6700, 6701);
        var (_, rpc) = await StartNimbusAsync();
        var id = await SubmitWordCountAsync(rpc);

        await rpc.Client.DeactivateAsync(new TopologyRequest { Name = "word-count" }, deadline: NimbusRpc.Deadline);
        Assert.Equal(TopologyStatus.Inactive, (await State.GetStormBaseAsync(id))!.Value.Status);

        await rpc.Client.ActivateAsync(new TopologyRequest { Name = "word-count" }, deadline: NimbusRpc.Deadline);
        Assert.Equal(TopologyStatus.Active, (await State.GetStormBaseAsync(id))!.Value.Status);
    }

    [Fact]
    public async Task Rebalance_TwoToThreeWorkers_ReschedulesOverThreeAndUpdatesTheDocument()
    {
        await RegisterSupervisorAsync("sup-a", 6700, 6701);
        await RegisterSupervisorAsync("sup-b", 6700, 6701);
        var (_, rpc) = await StartNimbusAsync();
        var id = await SubmitWordCountAsync(rpc);

        var tooMany = new RebalanceRequest { Name = "word-count", WaitSecs = 0 };
        tooMany.Executors["count"] = 5;
        var invalid = await Assert.ThrowsAsync<RpcException>(() => rpc.Client.RebalanceAsync(tooMany, deadline: NimbusRpc.Deadline).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        Assert.Contains("'count' can have 1 to 2 executors", invalid.Status.Detail, StringComparison.Ordinal);

        var request = new RebalanceRequest { Name = "word-count", WaitSecs = 0, NumWorkers = 3 };
        request.Executors["count"] = 1;
        await rpc.Client.RebalanceAsync(request, deadline: NimbusRpc.Deadline);

        var assignment = await AssignmentWhenAsync(id, a => a.Workers.Count == 3, "the rebalance to 3 workers");
        Assert.Equal(7, assignment.Executors.Count);
        await Deadline.Until(async () => (await State.GetStormBaseAsync(id))!.Value.Status == TopologyStatus.Active, "the rebalanced topology to be ACTIVE again");
        var stormBase = (await State.GetStormBaseAsync(id))!.Value;
        Assert.Equal(3, stormBase.NumWorkers);
        Assert.Equal(1, stormBase.ComponentExecutors["count"]);
        Assert.Equal(2, stormBase.ComponentExecutors["__acker"]);
        var conf = await rpc.Client.GetTopologyConfAsync(new TopologyRequest { Name = "word-count" }, deadline: NimbusRpc.Deadline);
        Assert.Contains("\"topology.workers\":3", conf.Json, StringComparison.Ordinal);
        Assert.False(Directory.Exists(BlobDir("n1", id + "-document")), "the replaced document blob is deleted");
    }

    [Fact]
    public async Task SupervisorSessionCloses_WithNoWorkerHeardFrom_ItsExecutorsMoveToTheOtherSupervisor()
    {
        await RegisterSupervisorAsync("sup-a", 6700, 6701);
        var b = await RegisterSupervisorAsync("sup-b", 6700, 6701);
        var (_, rpc) = await StartNimbusAsync();
        var id = await SubmitWordCountAsync(rpc);
        Assert.Contains((await State.GetAssignmentAsync(id))!.Value.Executors, e => e.NodeId == "sup-b");

        _sessions.Remove(b);
        await b.DisposeAsync();

        var assignment = await AssignmentWhenAsync(id, a => a.Executors.All(e => e.NodeId == "sup-a") && a.Executors.Count == 8, "sup-b's executors to move to sup-a");
        Assert.Equal(["sup-a:6700", "sup-a:6701"], assignment.Workers.Select(w => $"{w.NodeId}:{w.Port}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task SupervisorSessionCloses_WhileItsWorkerHeartbeats_TheWorkerKeepsItsExecutorsUntilItFallsSilent()
    {
        await RegisterSupervisorAsync("sup-a", 6700, 6701);
        var b = await RegisterSupervisorAsync("sup-b", 6700, 6701);
        var (_, rpc) = await StartNimbusAsync("n1", ("nimbus.task.timeout.secs", 2));
        var id = await SubmitWordCountAsync(rpc);
        var before = (await State.GetAssignmentAsync(id))!.Value;
        var onB = before.Workers.Single(w => w.NodeId == "sup-b");

        using var stopBeats = new CancellationTokenSource();
        var firstBeat = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var beats = Task.Run(async () =>
        {
            while (!stopBeats.IsCancellationRequested)
            {
                await rpc.Client.SendWorkerHeartbeatAsync(
                    new WorkerHeartbeat { TopologyId = id, SupervisorId = "sup-b", Host = "127.0.0.1", Port = onB.Port, TimeMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() },
                    deadline: NimbusRpc.Deadline);
                firstBeat.TrySetResult();
                await Task.Delay(200, stopBeats.Token).ContinueWith(_ => { });
            }
        });
        try
        {
            // Its supervisor's registration goes (a restart, an expired session); the worker it left runs on.
            await firstBeat.Task.Within("the first heartbeat of sup-b's worker");
            _sessions.Remove(b);
            await b.DisposeAsync();
            await Task.Delay(TimeSpan.FromSeconds(4)); // the window to watch: two task timeouts, several monitoring rounds
            var kept = (await State.GetAssignmentAsync(id))!.Value;
            Assert.Equal(before.Executors.Where(e => e.NodeId == "sup-b").Select(e => e.FirstTask), kept.Executors.Where(e => e.NodeId == "sup-b").Select(e => e.FirstTask));
            Assert.Equal("127.0.0.1", kept.NodeHosts["sup-b"]);
        }
        finally
        {
            await stopBeats.CancelAsync();
            await beats.Within("the heartbeat loop to stop");
        }

        // Once it falls silent too, its executors move.
        await AssignmentWhenAsync(id, a => a.Executors.All(e => e.NodeId == "sup-a") && a.Executors.Count == 8, "the silent worker's executors to move to sup-a");
    }

    [Fact]
    public async Task MissingHeartbeats_PastTheTimeout_ReassignThatWorkerOnly()
    {
        await RegisterSupervisorAsync("sup-a", 6700, 6701);
        await RegisterSupervisorAsync("sup-b", 6700, 6701);
        // The grace is the time the alive worker's first heartbeat has to arrive in, from a loop this test starts on a
        // machine that may be running the whole suite: 2 s was once too short there.
        var (_, rpc) = await StartNimbusAsync("n1", ("nimbus.task.launch.secs", 4));
        var id = await SubmitWordCountAsync(rpc);
        var before = (await State.GetAssignmentAsync(id))!.Value;
        var alive = before.Workers.Single(w => w.NodeId == "sup-a");

        using var stopBeats = new CancellationTokenSource();
        var beats = Task.Run(async () =>
        {
            while (!stopBeats.IsCancellationRequested)
            {
                await rpc.Client.SendWorkerHeartbeatAsync(
                    new WorkerHeartbeat { TopologyId = id, SupervisorId = "sup-a", Host = "127.0.0.1", Port = alive.Port, TimeMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() },
                    deadline: NimbusRpc.Deadline);
                await Task.Delay(200, stopBeats.Token).ContinueWith(_ => { });
            }
        });
        try
        {
            var after = await AssignmentWhenAsync(id, a => !a.Executors.Any(e => e.NodeId == "sup-b" && e.Port == 6700), "the silent worker sup-b:6700 to be reassigned");
            Assert.Contains(after.Workers, w => w.NodeId == alive.NodeId && w.Port == alive.Port && w.StartTimeMs == alive.StartTimeMs);
            Assert.Equal(8, after.Executors.Count);
            Assert.Equal(before.Executors.Where(e => e.NodeId == "sup-a").Select(e => e.FirstTask), after.Executors.Where(e => e.NodeId == "sup-a" && e.Port == alive.Port).Select(e => e.FirstTask));
        }
        finally
        {
            await stopBeats.CancelAsync();
            await beats.Within("the heartbeat loop to stop");
        }
    }

    [Fact]
    public async Task Restart_WhileAssigned_NewNimbusKeepsManaging()
    {
        await RegisterSupervisorAsync("sup-a", 6700, 6701);
        var b = await RegisterSupervisorAsync("sup-b", 6700, 6701);
        var (first, rpc) = await StartNimbusAsync();
        var id = await SubmitWordCountAsync(rpc);
        await StopAsync(first);

        var (second, rpc2) = await StartNimbusAsync();
        await Deadline.Until(() => Task.FromResult(second.IsLeader), "the restarted Nimbus to lead");
        Assert.Equal([id], (await rpc2.Client.GetClusterInfoAsync(new Empty(), deadline: NimbusRpc.Deadline)).Topologies.Select(t => t.Id));

        _sessions.Remove(b);
        await b.DisposeAsync();
        await AssignmentWhenAsync(id, a => a.Executors.All(e => e.NodeId == "sup-a"), "the restarted Nimbus to reassign sup-b's executors");

        await rpc2.Client.KillTopologyAsync(new KillRequest { Name = "word-count", WaitSecs = 0 }, deadline: NimbusRpc.Deadline);
        await Deadline.Until(async () => await State.GetStormBaseAsync(id) is null, "the restarted Nimbus to remove the killed topology");
        Assert.False(Directory.Exists(BlobDir("n1", id + "-package")), "the package stored before the restart is deleted");
    }

    [Fact]
    public async Task TwoNimbus_FollowerNamesTheLeaderThenTakesOverWhenItStops()
    {
        await RegisterSupervisorAsync("sup-a", 6700, 6701);
        var (leader, _) = await StartNimbusAsync("n1");
        await Deadline.Until(() => Task.FromResult(leader.IsLeader), "the first Nimbus to lead");
        var (follower, followerRpc) = await StartNimbusAsync("n2");
        Assert.False(follower.IsLeader);

        var refused = await Assert.ThrowsAsync<RpcException>(() => followerRpc.Client.KillTopologyAsync(new KillRequest { Name = "word-count" }, deadline: NimbusRpc.Deadline).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Equal(leader.Id, refused.Trailers.GetValue("storm-leader"));
        var info = await followerRpc.Client.GetClusterInfoAsync(new Empty(), deadline: NimbusRpc.Deadline);
        Assert.Equal(2, info.Nimbuses.Count);
        Assert.Equal(leader.Id, info.Nimbuses.Single(n => n.IsLeader).Host + ":" + info.Nimbuses.Single(n => n.IsLeader).Port);

        await StopAsync(leader);

        await Deadline.Until(() => Task.FromResult(follower.IsLeader), "the follower to take over");
        var id = await SubmitWordCountAsync(followerRpc);
        Assert.NotNull(await State.GetAssignmentAsync(id));
    }

    [Fact]
    public async Task TwoNimbus_SubmitWaitsForReplication_FollowerHoldsThePackageAndLeadsWithIt()
    {
        await RegisterSupervisorAsync("sup-a", 6700, 6701);
        var (leader, rpc) = await StartNimbusAsync("n1", ("nimbus.code.sync.freq.secs", 1));
        await Deadline.Until(() => Task.FromResult(leader.IsLeader), "the first Nimbus to lead");
        var (follower, followerRpc) = await StartNimbusAsync("n2", ("nimbus.code.sync.freq.secs", 1));

        // topology.min.replication.count 2: the submit returns once the follower holds a copy, and records it.
        var id = await SubmitWordCountAsync(rpc, replication: 2);
        Assert.Equal(
            new[] { leader.Id, follower.Id }.Order(StringComparer.Ordinal),
            (await State.GetBlobHoldersAsync(id + "-package")).Order(StringComparer.Ordinal));
        Assert.Equal(
            await File.ReadAllBytesAsync(Path.Combine(BlobDir("n1", id + "-package"), "data")),
            await File.ReadAllBytesAsync(Path.Combine(BlobDir("n2", id + "-package"), "data")));

        // The leader goes: the follower leads with the copy and serves the package and document at once.
        await StopAsync(leader);
        await Deadline.Until(() => Task.FromResult(follower.IsLeader), "the follower to take over");
        var document = await followerRpc.Client.GetTopologyDocumentAsync(new TopologyRequest { Id = id }, deadline: NimbusRpc.Deadline);
        Assert.NotEmpty(document.Document);
        using var download = followerRpc.Client.DownloadPackage(new TopologyRequest { Id = id }, deadline: NimbusRpc.Deadline);
        long bytes = 0;
        await foreach (var chunk in download.ResponseStream.ReadAllAsync())
        {
            bytes += chunk.Data.Length;
        }

        Assert.Equal(document.PackageLength, bytes);
        await followerRpc.Client.KillTopologyAsync(new KillRequest { Name = "word-count", WaitSecs = 0 }, deadline: NimbusRpc.Deadline);
        await Deadline.Until(async () => await State.GetStormBaseAsync(id) is null, "the new leader to remove the killed topology");
    }

    [Fact]
    public async Task NimbusWithoutThePackages_GivesTheLeadershipToOneThatHoldsThem()
    {
        await RegisterSupervisorAsync("sup-a", 6700, 6701);
        var (first, rpc) = await StartNimbusAsync("n1", ("nimbus.code.sync.freq.secs", 1));
        await Deadline.Until(() => Task.FromResult(first.IsLeader), "the first Nimbus to lead");
        var id = await SubmitWordCountAsync(rpc);
        await StopAsync(first);

        // A fresh Nimbus leads without the blobs, since no live Nimbus holds them; once the first returns with its
        // copies (under a new port, so a new id), the leader copies them from it and keeps leading.
        var (fresh, freshRpc) = await StartNimbusAsync("n3", ("nimbus.code.sync.freq.secs", 1));
        await Deadline.Until(() => Task.FromResult(fresh.IsLeader), "the fresh Nimbus to lead, without the blobs no live Nimbus holds");
        var (returned, _) = await StartNimbusAsync("n1", ("nimbus.code.sync.freq.secs", 1));
        await Deadline.Until(() => Task.FromResult(File.Exists(Path.Combine(BlobDir("n3", id + "-package"), "data"))), "the fresh leader to copy the package from the returned Nimbus");
        Assert.True(fresh.IsLeader);
        Assert.False(returned.IsLeader);
        Assert.Contains(fresh.Id, await State.GetBlobHoldersAsync(id + "-package"));
        await freshRpc.Client.KillTopologyAsync(new KillRequest { Name = "word-count", WaitSecs = 0 }, deadline: NimbusRpc.Deadline);
        await Deadline.Until(async () => await State.GetStormBaseAsync(id) is null, "the leader to remove the killed topology");
    }
}
