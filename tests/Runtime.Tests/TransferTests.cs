using StormSharp.Runtime.Configuration;
using StormSharp.Runtime.Execution;
using StormSharp.Runtime.Serialization;
using StormSharp.Runtime.Transport;
using StormSharp.Runtime.Tuples;
using StormSharp.Topology;

namespace StormSharp.Runtime.Tests;

/// <summary>The paths between workers: bounded outbound buffers, whole-frame checks inbound, routes that follow a moved worker.</summary>
public sealed class TransferTests : ClusterTestBase
{
    [Fact]
    public async Task OutboundPath_BufferFull_RefusesUntilTheTransportTakesFrames()
    {
        var definition = Definition(new Dictionary<string, object?> { [Config.TopologyTransferBufferSize] = 10 });
        var services = new TopologyServices(definition, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var channel = new GatedChannel(definition.StreamTable);
        await using var path = new OutboundPath(definition, services, channel, WorkerEndpoint.Local(1), 1, TransferLane.Data, new TupleCodec(definition.StreamTable));
        var stream = definition.StreamOf("spout", Utils.DefaultStreamId);
        var bolt = definition.TasksOf("bolt")[0];
        var tuples = Enumerable.Range(0, 8).Select(i => new TupleImpl(stream, new Values(i), 1, bolt)).ToArray();

        Assert.Equal(8, path.TryPublish(tuples));
        Assert.Equal(2, path.TryPublish(tuples));
        Assert.Equal(0, path.TryPublish(tuples));
        var woken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        path.NotifyWhenRoom(() => woken.TrySetResult());
        Assert.False(woken.Task.IsCompleted, "woken while the buffer is still full");

        channel.Open();
        await woken.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await WaitUntilAsync(() => path.Buffered == 0, "the buffer to drain once the channel takes frames");
        Assert.Equal(10, channel.Tuples);
        Assert.Equal(0, path.Dropped);
    }

    [Fact]
    public async Task OutboundPath_BatchesPublishedDuringASend_GoOutAsOneFrameInOrder()
    {
        var definition = Definition(new Dictionary<string, object?> { [Config.TopologyTransferBufferSize] = 100 });
        var services = new TopologyServices(definition, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var channel = new GatedChannel(definition.StreamTable);
        await using var path = new OutboundPath(definition, services, channel, WorkerEndpoint.Local(1), 1, TransferLane.Data, new TupleCodec(definition.StreamTable));
        var stream = definition.StreamOf("spout", Utils.DefaultStreamId);
        var bolt = definition.TasksOf("bolt")[0];
        TupleImpl[] Batch(int first) => [.. Enumerable.Range(first, 4).Select(i => new TupleImpl(stream, new Values((long)i), 1, bolt))];

        Assert.Equal(4, path.TryPublish(Batch(0)));
        await channel.Entered.WaitAsync(TimeSpan.FromSeconds(10));
        for (var first = 4; first < 16; first += 4)
        {
            Assert.Equal(4, path.TryPublish(Batch(first)));
        }

        channel.Open();
        await WaitUntilAsync(() => path.Buffered == 0, "the buffer to drain once the channel takes frames");
        var frames = channel.Frames;
        Assert.Equal([4, 12], frames.Select(f => f.Count));
        Assert.Equal(Enumerable.Range(0, 16).Select(i => (object?)(long)i), frames.SelectMany(f => f).Select(t => t.Values[0]));
        Assert.Equal(0, path.Dropped);
    }

    [Fact]
    public async Task InboundPath_GarbageOrForeignFrames_AreRefusedWholeAndTheWorkerGoesOn()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new CountingSpout(Key, long.MaxValue), 1);
        builder.SetBolt("bolt", new RecordingBolt(OtherKey), 1).ShuffleGrouping("spout");
        LocalTopology? running = null;
        Cluster.Submit("garbage", new Config().SetNumWorkers(2).SetNumAckers(1).SetMaxSpoutPending(100), builder.CreateTopology(), t => running = t);
        var boltWorker = running!.Workers.Single(w => w.Executors.Any(e => e.ComponentId == "bolt"));
        var definition = running.Definition;
        var reader = boltWorker.Inbound.Open();

        await Assert.ThrowsAsync<WireFormatException>(() => reader.ReceiveAsync(new byte[] { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3 }, CancellationToken.None).AsTask());

        var bolt = definition.TasksOf("bolt")[0];
        var spoutTask = definition.TasksOf("spout")[0];
        var valid = Frame(definition, (spoutTask, bolt, Utils.DefaultStreamId, -7L));
        await Assert.ThrowsAnyAsync<FormatException>(() => reader.ReceiveAsync(valid[..(valid.Length - 3)], CancellationToken.None).AsTask());

        var foreign = await Assert.ThrowsAsync<InvalidDataException>(() => reader.ReceiveAsync(Frame(definition, (spoutTask, bolt, Utils.DefaultStreamId, -1L), (spoutTask, spoutTask, Utils.DefaultStreamId, -2L)), CancellationToken.None).AsTask());
        Assert.Contains($"task {spoutTask}", foreign.Message, StringComparison.Ordinal);

        var unknown = await Assert.ThrowsAsync<InvalidDataException>(() => reader.ReceiveAsync(Frame(definition, (spoutTask, bolt, "undeclared", -3L)), CancellationToken.None).AsTask());
        Assert.Contains("does not declare", unknown.Message, StringComparison.Ordinal);

        // The topology goes on acking, and nothing of the refused frames reached the bolt (the spout counts up from
        // 0; the frames carried negative values), not even the valid first tuple of the mixed frame.
        var acked = Board.Of(Key).TotalAcks;
        Await.Until(() => Board.Of(Key).TotalAcks > acked + 500, TimeSpan.FromSeconds(30), () => $"500 more acks after the garbage, have {Board.Of(Key).TotalAcks - acked}");
        Assert.DoesNotContain(Board.Of(OtherKey).Received, r => r.Values[0] is < 0L);
    }

    [Fact]
    public async Task UpdateAssignment_WorkerMovesToANewEndpoint_TuplesAndAcksFollowWithoutRebuildingExecutors()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new CountingSpout(Key, long.MaxValue), 1);
        builder.SetBolt("bolt", new RecordingBolt(OtherKey), 1).ShuffleGrouping("spout");
        LocalTopology? running = null;
        Cluster.Submit("moving", new Config().SetNumWorkers(2).SetNumAckers(1).SetMaxSpoutPending(100).SetMessageTimeoutSecs(3), builder.CreateTopology(), t => running = t);
        var first = running!.Workers.Single(w => w.Executors.Any(e => e.IsSpout));
        var second = running.Workers.Single(w => w != first);
        Assert.Contains(second.Executors, e => e.ComponentId == "bolt");
        Await.Until(() => Board.Of(Key).TotalAcks > 200, TimeSpan.FromSeconds(30), "200 acks before the move");
        var executorsBefore = first.Executors.ToArray();

        // The bolt's worker moves: a new worker at a new endpoint runs its executors, and the old one stops.
        var newHome = WorkerEndpoint.Local(7);
        var moved = new TopologyAssignment(running.Definition.Executors.ToDictionary(
            e => e.FirstTask,
            e => running.Assignment.WorkerOf(e) == second.Endpoint ? newHome : first.Endpoint));
        var replacement = new WorkerRuntime(running.Definition, moved, newHome, running.Services, running.Transport);
        try
        {
            running.Transport.Register(replacement);
            replacement.Start();
            Assert.Empty(await second.StopAsync(TimeSpan.FromSeconds(10)));
            running.Transport.Unregister(second.Endpoint);
            await first.UpdateAssignmentAsync(moved);

            var newBolt = replacement.Executors.Single(e => e.ComponentId == "bolt");
            var acked = Board.Of(Key).TotalAcks;
            Await.Until(() => newBolt.Processed > 500, TimeSpan.FromSeconds(30), () => $"the moved bolt to process 500 tuples, has {newBolt.Processed}");
            Await.Until(() => Board.Of(Key).TotalAcks > acked + 500, TimeSpan.FromSeconds(30), () => $"500 acks through the moved worker, have {Board.Of(Key).TotalAcks - acked}");
            Assert.Equal(executorsBefore, first.Executors);

            // An assignment that takes the spout away from this worker needs a restart, not a route swap.
            await Assert.ThrowsAsync<InvalidOperationException>(() => first.UpdateAssignmentAsync(TopologyAssignment.Deal(running.Definition, [newHome])).AsTask());
        }
        finally
        {
            await replacement.StopAsync(TimeSpan.FromSeconds(10));
            running.Transport.Unregister(newHome);
        }
    }

    private static TopologyDefinition Definition(Dictionary<string, object?> overrides)
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new CountingSpout(Board.NewKey(), 1), 1);
        builder.SetBolt("bolt", new DroppingBolt(), 1).ShuffleGrouping("spout");
        var conf = ConfigLoader.Load();
        foreach (var kv in overrides)
        {
            conf[kv.Key] = kv.Value;
        }

        return new TopologyDefinition("t-1", "t", builder.CreateTopology(), conf, n => Type.GetType(n));
    }

    private static byte[] Frame(TopologyDefinition definition, params (int Source, int Dest, string Stream, long Value)[] tuples)
    {
        using var writer = new TupleBatchWriter(new TupleCodec(definition.StreamTable));
        foreach (var t in tuples)
        {
            writer.Add(t.Source, t.Dest, t.Stream, [], new Values(t.Value));
        }

        return writer.WrittenSpan.ToArray();
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(10);
        }
    }

    /// <summary>A channel that takes no frame until opened, as a peer that has stopped reading would.</summary>
    private sealed class GatedChannel(StreamTable streams) : IFrameChannel
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<List<WireTuple>> _frames = [];
        private int _tuples;

        public int Tuples => Volatile.Read(ref _tuples);

        /// <summary>Completes when the path's loop is in its first send, waiting for <see cref="Open"/>.</summary>
        public Task Entered => _entered.Task;

        /// <summary>Every frame taken so far, decoded.</summary>
        public List<List<WireTuple>> Frames
        {
            get
            {
                lock (_frames)
                {
                    return [.. _frames];
                }
            }
        }

        public void Open() => _open.TrySetResult();

        public async ValueTask SendAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
        {
            // Decoded before the wait: the path may reuse the bytes once the send completes, not before.
            var decoded = new List<WireTuple>();
            new TupleCodec(streams).ReadBatch(frame.Span, decoded);
            _entered.TrySetResult();
            await _open.Task.WaitAsync(cancellationToken);
            lock (_frames)
            {
                _frames.Add(decoded);
            }

            Interlocked.Add(ref _tuples, decoded.Count);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
