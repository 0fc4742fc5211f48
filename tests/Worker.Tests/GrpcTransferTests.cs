using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using StormSharp.Runtime.Execution;
using StormSharp.Topology;
using StormSharp.Worker.Transport;

namespace StormSharp.Worker.Tests;

/// <summary>Tuples between two workers over real gRPC streams on loopback: delivery, acking, bad input, a worker that comes back.</summary>
public sealed class GrpcTransferTests : IDisposable
{
    private readonly string _key = Guid.NewGuid().ToString("N");
    private readonly string _counts = Guid.NewGuid().ToString("N");

    public void Dispose()
    {
        Board.Forget(_key);
        Board.Forget(_counts);
    }

    [Fact]
    public async Task WordCount_AcrossTwoWorkers_EverySentenceAckedAndEveryWordCountedByOneTask()
    {
        const int sentences = 20_000;
        await using var cluster = await TwoWorkers.StartAsync(WordCount(sentences), new Config().SetMaxSpoutPending(2_000), "grpc-wordcount");
        AssertSpread(cluster);

        await Until(() => Board.Of(_key).Acked.Count == sentences, TimeSpan.FromSeconds(60), () => $"{sentences} sentences acked, have {Board.Of(_key).Acked.Count}");
        Assert.Empty(Board.Of(_key).Failed);
        Assert.All(Board.Of(_key).Acked.Values, v => Assert.Equal(1, v));

        // Fields grouping across the two processes' worth of tasks: each word went to exactly one counting task.
        var byWord = Board.Of(_counts).Counts.GroupBy(kv => kv.Key.Split('/')[1]).ToList();
        Assert.Equal(8, byWord.Count);
        Assert.All(byWord, g => Assert.Single(g));
        Assert.Equal(3L * sentences, byWord.Sum(g => g.Single().Value));
    }

    [Fact]
    public async Task TuplesCrossingBackAndForth_WithFullQueues_KeepFlowing()
    {
        // Each hop has a task in each worker and shuffles, so tuples cross both ways at every step, and with small
        // queues and no acking every queue fills; tuples of a kilobyte fill HTTP/2's windows too. A worker stops
        // reading a stream while the executor it feeds is full; were one stream to carry the tuples for all of a
        // worker's executors, each worker's relay would wait for room in the other behind tuples waiting for room in
        // the first, and the chain would stop. Shuffles deal evenly here: a load-aware one would keep to its own
        // worker until the queues there filled.
        var builder = new TopologyBuilder();
        builder.SetSpout("flood", new FloodSpout(_key), 2);
        builder.SetBolt("relay1", new RelayBolt(1024), 2).ShuffleGrouping("flood");
        builder.SetBolt("relay2", new RelayBolt(1024), 2).ShuffleGrouping("relay1");
        builder.SetBolt("relay3", new RelayBolt(1024), 2).ShuffleGrouping("relay2");
        builder.SetBolt("sink", new TallyBolt(_counts), 2).ShuffleGrouping("relay3");
        var conf = new Config().SetNumAckers(0);
        conf[Config.TopologyExecutorReceiveBufferSize] = 64;
        conf[Config.TopologyTransferBufferSize] = 64;
        conf[Config.TopologyDisableLoadAwareMessaging] = true;
        await using var cluster = await TwoWorkers.StartAsync(builder.CreateTopology(), conf, "grpc-crossing");

        var sink = Board.Of(_counts);
        await Until(() => Interlocked.Read(ref sink.Executed) >= 20_000, TimeSpan.FromSeconds(30), () => $"20,000 tuples at the sink, have {Interlocked.Read(ref sink.Executed):N0}");
        var first = Interlocked.Read(ref sink.Executed);
        await Until(
            () => Interlocked.Read(ref sink.Executed) >= first + 200_000,
            TimeSpan.FromSeconds(60),
            () => $"200,000 more tuples at the sink after the first {first:N0}; it has {Interlocked.Read(ref sink.Executed) - first:N0} more");
    }

    [Fact]
    public async Task TransferPort_GarbageBytesAndBadFrames_AreRefusedAndTheWorkerGoesOn()
    {
        await using var cluster = await TwoWorkers.StartAsync(WordCount(long.MaxValue), new Config().SetMaxSpoutPending(500), "grpc-garbage");
        var target = cluster.Workers.Single(w => !w.Executors.Any(e => e.IsSpout));
        var endpoint = target.Endpoint;

        // Raw bytes that are not HTTP/2 at all.
        using (var socket = new TcpClient())
        {
            await socket.ConnectAsync(endpoint.Host, endpoint.Port);
            var stream = socket.GetStream();
            await stream.WriteAsync(Enumerable.Range(0, 4096).Select(i => (byte)(i * 31)).ToArray());
            var buffer = new byte[256];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (await stream.ReadAsync(buffer, timeout.Token) > 0)
            {
                // Drain until the server closes the connection.
            }
        }

        using var channel = GrpcChannel.ForAddress($"http://{endpoint}");
        var invoker = channel.CreateCallInvoker();

        // A well-formed call with a frame that is not a batch of this topology.
        var bad = await Assert.ThrowsAsync<RpcException>(() => SendOnce(invoker, cluster.Definition.StormId, [0xde, 0xad, 0xbe, 0xef]));
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);

        // A call for another topology, and one that does not say which.
        var foreign = await Assert.ThrowsAsync<RpcException>(() => SendOnce(invoker, "someone-else-7-1", [1]));
        Assert.Equal(StatusCode.Unavailable, foreign.StatusCode);
        var anonymous = await Assert.ThrowsAsync<RpcException>(() => SendOnce(invoker, null, [1]));
        Assert.Equal(StatusCode.InvalidArgument, anonymous.StatusCode);

        var acked = Board.Of(_key).Acked.Count;
        await Until(() => Board.Of(_key).Acked.Count > acked + 1_000, TimeSpan.FromSeconds(30), () => $"1000 more acks after the bad input, have {Board.Of(_key).Acked.Count - acked}");
    }

    [Fact]
    public async Task WorkerRestartedOnItsPort_SendersReconnectAndTimedOutTuplesAreReplayed()
    {
        const int sentences = 5_000;
        var config = new Config().SetMaxSpoutPending(200).SetMessageTimeoutSecs(3);
        await using var cluster = await TwoWorkers.StartAsync(WordCount(sentences), config, "grpc-restart");
        var counting = cluster.Workers.Single(w => !w.Executors.Any(e => e.IsSpout));
        await Until(() => Board.Of(_key).Acked.Count > 500, TimeSpan.FromSeconds(30), "500 acks before the worker dies");

        // The worker without the spout (half the bolts, an acker) dies; its supervisor starts it again on the same slot.
        await cluster.StopWorkerAsync(counting);
        var stalled = Board.Of(_key).Acked.Count;
        await cluster.StartWorkerAsync(counting.Endpoint);

        await Until(() => Board.Of(_key).Acked.Count == sentences, TimeSpan.FromSeconds(90), () => $"all {sentences} sentences acked after the restart, have {Board.Of(_key).Acked.Count} (stalled at {stalled}, {Board.Of(_key).Failed.Count} failed)");
        Assert.True(Board.Of(_key).Failed.Count > 0, "tuples in flight when the worker died were failed by timeout and replayed");
    }

    [Fact]
    public async Task Backpressure_SlowBoltInAnotherWorker_HoldsTheSpoutBackWithBoundedBuffers()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("flood", new FloodSpout(_key), 1);
        builder.SetBolt("slow", new SlowBolt(_counts), 1).ShuffleGrouping("flood").AddConfiguration(Config.TopologyExecutorDedicatedThread, true);
        var config = new Config
        {
            [Config.TopologyExecutorReceiveBufferSize] = 1024,
            [Config.TopologyTransferBufferSize] = 1000,
        };
        config.SetNumAckers(0);
        await using var cluster = await TwoWorkers.StartAsync(builder.CreateTopology(), config, "grpc-backpressure");
        Assert.NotEqual(cluster.WorkerRunning("flood"), cluster.WorkerRunning("slow"));

        // Unchecked, the spout would emit millions a second. Held back, what it is ahead of the bolt is what the
        // bounded buffers on the way hold: a receive queue, the out batches, the transfer buffer and the HTTP/2
        // windows (a few hundred thousand small tuples at most), and it stops growing.
        await Until(() => Interlocked.Read(ref Board.Of(_counts).Executed) > 500, TimeSpan.FromSeconds(30), "the slow bolt to get going");
        await Task.Delay(TimeSpan.FromSeconds(2));
        var ahead1 = Interlocked.Read(ref Board.Of(_key).Executed) - Interlocked.Read(ref Board.Of(_counts).Executed);
        await Task.Delay(TimeSpan.FromSeconds(3));
        var ahead2 = Interlocked.Read(ref Board.Of(_key).Executed) - Interlocked.Read(ref Board.Of(_counts).Executed);
        Assert.True(ahead1 < 300_000, $"the spout was {ahead1} tuples ahead of the bolt after 2 s");
        Assert.True(ahead2 < 300_000, $"the spout was {ahead2} tuples ahead of the bolt after 5 s");
        Assert.True(ahead2 < ahead1 + 50_000, $"what the spout is ahead of the bolt kept growing: {ahead1}, then {ahead2}");
    }

    private StormTopology WordCount(long sentences) => TwoWorkers.WordCount(_key, _counts, sentences);

    /// <summary>The point of the test: consecutive components sit in different workers, so tuples cross the wire.</summary>
    private static void AssertSpread(TwoWorkers cluster)
    {
        Assert.Equal(2, cluster.Workers.Count);
        var spoutWorker = cluster.WorkerRunning("sentences");
        Assert.All(cluster.Workers, w => Assert.Contains(w.Executors, e => e.ComponentId is "split" or "count"));
        Assert.Contains(cluster.Workers.Where(w => w != spoutWorker).SelectMany(w => w.Executors), e => e.ComponentId == "split");
    }

    private static async Task SendOnce(CallInvoker invoker, string? topology, byte[] frame)
    {
        var headers = new Metadata { { TransferMethods.FromHeader, "127.0.0.1:1" }, { TransferMethods.LaneHeader, "Data" } };
        if (topology is not null)
        {
            headers.Add(TransferMethods.TopologyHeader, topology);
        }

        using var call = invoker.AsyncClientStreamingCall(TransferMethods.Send, null, new CallOptions(headers, DateTime.UtcNow.AddSeconds(10)));
        try
        {
            await call.RequestStream.WriteAsync(new OutgoingFrame { Memory = frame });
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // The server may end the call before the client finishes writing; the response says why.
        }

        await call.ResponseAsync;
    }

    private static async Task Until(Func<bool> condition, TimeSpan timeout, Func<string> what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out after {timeout.TotalSeconds:0} s waiting for: {what()}");
            await Task.Delay(20);
        }
    }

    private static Task Until(Func<bool> condition, TimeSpan timeout, string what) => Until(condition, timeout, () => what);
}
