using StormSharp.Runtime.Execution;
using StormSharp.Topology;

namespace StormSharp.Runtime.Tests;

/// <summary>Where executors run: on the shared thread pool by default, on threads of their own when asked or when they block.</summary>
public sealed class ExecutorThreadingTests : ClusterTestBase
{
    [Fact]
    public void DedicatedThread_SetOnOneComponent_OnlyItsExecutorsGetThreads()
    {
        var builder = new TopologyBuilder();
        var sinkKey = Board.NewKey();
        builder.SetSpout("spout", new CountingSpout(OtherKey, 500));
        builder.SetBolt("own", new RecordingBolt(Key, forward: true), 2)
            .ShuffleGrouping("spout")
            .AddConfiguration(Config.TopologyExecutorDedicatedThread, true);
        builder.SetBolt("pooled", new RecordingBolt(sinkKey)).ShuffleGrouping("own");
        LocalTopology? running = null;
        Cluster.Submit("dedicated", new Config(), builder.CreateTopology(), t => running = t);

        Await.Until(() => Board.Of(OtherKey).TotalAcks == 500, TimeSpan.FromSeconds(20), () => $"500 acks, have {Board.Of(OtherKey).TotalAcks}");
        Assert.Equal(500, Board.Of(Key).Received.Count);
        Assert.Equal(500, Board.Of(sinkKey).Received.Count);
        Board.Forget(sinkKey);
        var onThread = running!.Executors.Where(e => e.OnOwnThread).Select(e => e.ComponentId).Order().ToList();
        Assert.Equal(["own", "own"], onThread);
    }

    [Fact]
    public void DedicatedThread_SetForTopology_EveryExecutorGetsOne()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new CountingSpout(OtherKey, 200));
        builder.SetBolt("bolt", new RecordingBolt(Key)).ShuffleGrouping("spout");
        LocalTopology? running = null;
        Cluster.Submit("all-dedicated", new Config { [Config.TopologyExecutorDedicatedThread] = true }, builder.CreateTopology(), t => running = t);

        Await.Until(() => Board.Of(OtherKey).TotalAcks == 200, TimeSpan.FromSeconds(20), () => $"200 acks, have {Board.Of(OtherKey).TotalAcks}");
        Assert.All(running!.Executors, e => Assert.True(e.OnOwnThread, $"executor of '{e.ComponentId}' runs on its own thread"));
    }

    [Fact]
    public void BlockingBolt_OnThePool_MovesToItsOwnThreadAndKeepsProcessing()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new CountingSpout(OtherKey, long.MaxValue, tracked: false));
        builder.SetBolt("sleepy", new SlowBolt(Key, 20)).ShuffleGrouping("spout");
        builder.SetBolt("quick", new DroppingBolt()).ShuffleGrouping("spout");
        LocalTopology? running = null;
        Cluster.Submit("blocking", new Config { [Config.TopologyExecutorReceiveBufferSize] = 1024 }, builder.CreateTopology(), t => running = t);

        var sleepy = running!.Executors.Single(e => e.ComponentId == "sleepy");
        Await.Until(() => sleepy.OnOwnThread, TimeSpan.FromSeconds(20), "the sleeping bolt to move to a thread of its own");

        var executed = Interlocked.Read(ref Board.Of(Key).Executed);
        Await.Until(() => Interlocked.Read(ref Board.Of(Key).Executed) >= executed + 10, TimeSpan.FromSeconds(10), "the bolt to go on processing on its thread");
        Assert.False(running.Executors.Single(e => e.ComponentId == "quick").OnOwnThread, "a bolt that does not block stays on the pool");
    }

    [Fact]
    public void IdleTopology_ExecutorsPark_TakingOnlyTimerTurns()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new CountingSpout(OtherKey, 10));
        builder.SetBolt("bolt", new RecordingBolt(Key)).ShuffleGrouping("spout");
        LocalTopology? running = null;
        Cluster.Submit("idle", new Config(), builder.CreateTopology(), t => running = t);
        Await.Until(() => Board.Of(OtherKey).TotalAcks == 10, TimeSpan.FromSeconds(20), "10 acks");

        // Parked, a bolt wakes for housekeeping (50 times a second) and a spout with nothing to emit retries every
        // millisecond, as Storm's spout wait does. An executor that failed to park would take a turn after turn.
        var before = running!.Executors.ToDictionary(e => e, e => e.Turns);
        Thread.Sleep(1000);
        foreach (var e in running.Executors)
        {
            var turns = e.Turns - before[e];
            Assert.True(turns < (e.IsSpout ? 3_000 : 300), $"executor of '{e.ComponentId}' took {turns} turns in a second while idle");
        }
    }
}
