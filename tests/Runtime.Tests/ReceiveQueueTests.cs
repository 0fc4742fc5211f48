using StormSharp.Runtime.Queues;
using StormSharp.Runtime.Tuples;
using StormSharp.Topology;

namespace StormSharp.Runtime.Tests;

public sealed class ReceiveQueueTests
{
    private static readonly StreamInfo Stream = new("c", "default", new Fields("n"), false, 0);

    [Fact]
    public void TryPublish_Full_RefusesWhatDoesNotFit()
    {
        var q = new ReceiveQueue(4);
        var items = Enumerable.Range(0, 6).Select(i => new TupleImpl(Stream, [i], i, 1)).ToArray();
        Assert.Equal(4, q.TryPublish(items));
        Assert.False(q.TryPublish(items[5]));
        var into = new TupleImpl?[8];
        Assert.Equal(4, q.Poll(into));
        Assert.Equal([0, 1, 2, 3], into.Take(4).Select(t => t!.SourceTask));
        Assert.True(q.TryPublish(items[4]));
    }

    [Fact]
    public void ManyLaps_UnevenBatches_KeepOrderAndReleaseWhatWasPolled()
    {
        // Batches of 1 to 7 through 8 slots, polls of 1 to 5: runs split across the end of the ring on every lap.
        var q = new ReceiveQueue(8);
        var slots = (TupleImpl?[])typeof(ReceiveQueue).GetField("_slots", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(q)!;
        var into = new TupleImpl?[8];
        int published = 0, polled = 0;
        for (var round = 0; round < 2_000; round++)
        {
            var batch = Enumerable.Range(published, 1 + (round % 7)).Select(i => new TupleImpl(Stream, [i], i, 1)).ToArray();
            published += q.TryPublish(batch);
            var n = q.Poll(into.AsSpan(0, 1 + (round % 5)));
            for (var i = 0; i < n; i++)
            {
                Assert.Equal(polled++, into[i]!.SourceTask);
            }

            Assert.Equal(published - polled, q.Count);
            Assert.Equal(q.Count, slots.Count(t => t is not null)); // polled slots hold no reference
        }

        while (q.Poll(into) is var n && n > 0)
        {
            for (var i = 0; i < n; i++)
            {
                Assert.Equal(polled++, into[i]!.SourceTask);
            }
        }

        Assert.Equal(published, polled);
        Assert.True(published > 5_000);
    }

    [Fact]
    public void Publish_ManyProducers_ConsumerSeesEachOnceInProducerOrder()
    {
        const int producers = 4, perProducer = 200_000;
        var q = new ReceiveQueue(1024);
        var threads = Enumerable.Range(0, producers).Select(p => new Thread(() =>
        {
            var batch = new TupleImpl[16];
            for (var i = 0; i < perProducer; i += batch.Length)
            {
                for (var j = 0; j < batch.Length; j++)
                {
                    batch[j] = new TupleImpl(Stream, [], p, i + j);
                }

                var sent = 0;
                while (sent < batch.Length)
                {
                    sent += q.TryPublish(batch.AsSpan(sent));
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());

        var next = new int[producers];
        var received = 0;
        var into = new TupleImpl?[256];
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (received < producers * perProducer)
        {
            Assert.True(DateTime.UtcNow < deadline, $"received {received} of {producers * perProducer} before the deadline");
            var n = q.Poll(into);
            for (var i = 0; i < n; i++)
            {
                var t = into[i]!;
                Assert.Equal(next[t.SourceTask], t.DestTask);
                next[t.SourceTask]++;
            }

            received += n;
            if (n == 0)
            {
                q.Wait(TimeSpan.FromMilliseconds(1));
            }
        }

        threads.ForEach(t => Assert.True(t.Join(TimeSpan.FromSeconds(10)), "a producer thread did not finish"));
        Assert.All(next, n => Assert.Equal(perProducer, n));
    }

    [Fact]
    public void Wait_ProducerPublishes_ConsumerWakes()
    {
        var q = new ReceiveQueue(8);
        var publisher = new Thread(() =>
        {
            Thread.Sleep(50);
            q.TryPublish(new TupleImpl(Stream, [], 1, 1));
        });
        publisher.Start();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (!q.HasReady && sw.Elapsed < TimeSpan.FromSeconds(10))
        {
            q.Wait(TimeSpan.FromSeconds(10));
        }

        Assert.True(q.HasReady, "the consumer woke without a tuple");
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"woke only after {sw.Elapsed}");
        publisher.Join();
    }

    [Fact]
    public void TryPark_TupleWaiting_KeepsRunning()
    {
        var q = new ReceiveQueue(8);
        var scheduled = 0;
        q.UseScheduler(() => scheduled++);
        q.TryPublish(new TupleImpl(Stream, [], 1, 1));
        q.ClearWake();

        Assert.False(q.TryPark(), "parked with a tuple to take");
        Assert.Equal(0, scheduled);
    }

    [Fact]
    public void TryParkForRoom_TuplesWaitingAndPublished_StaysParkedUntilWoken()
    {
        // A bolt whose destination refused its tuples takes no input: the tuples in its queue, and those its upstream
        // goes on publishing, must not schedule it (it ran empty turns back to back for as long as the destination
        // stayed full); room downstream, a deadline or a command does, through Wake.
        var q = new ReceiveQueue(8);
        var scheduled = 0;
        q.UseScheduler(() => scheduled++);
        q.TryPublish(new TupleImpl(Stream, [], 1, 1));
        q.ClearWake();

        Assert.True(q.TryParkForRoom(), "did not park for room with a tuple waiting");
        Assert.True(q.TryPublish(new TupleImpl(Stream, [], 1, 2)));
        Assert.Equal(0, scheduled);

        q.Wake();
        Assert.Equal(1, scheduled);
        q.Wake();
        Assert.Equal(1, scheduled); // scheduled once per park

        // Parked as usual again (room came and went), a publish schedules it.
        q.ClearWake();
        var into = new TupleImpl?[8];
        Assert.Equal(2, q.Poll(into));
        Assert.True(q.TryPark());
        Assert.True(q.TryPublish(new TupleImpl(Stream, [], 1, 3)));
        Assert.Equal(2, scheduled);
    }

    [Fact]
    public void TryParkForRoom_WokenWhileParking_KeepsRunning()
    {
        var q = new ReceiveQueue(8);
        var scheduled = 0;
        q.UseScheduler(() => scheduled++);
        q.ClearWake();
        q.Wake(); // room came between the failed hand-over and the park

        Assert.False(q.TryParkForRoom(), "parked over a wake-up");
        Assert.Equal(0, scheduled);
    }

    [Fact]
    public void WaitForRoom_TuplePublished_WaitsOnUntilWoken()
    {
        var q = new ReceiveQueue(8);
        var flags = System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance;
        var sleeping = typeof(ReceiveQueue).GetField("_sleeping", flags)!;
        var signal = (ManualResetEventSlim)typeof(ReceiveQueue).GetField("_signal", flags)!.GetValue(q)!;
        q.TryPublish(new TupleImpl(Stream, [], 1, 1));
        var consumer = new Thread(() => q.WaitForRoom(TimeSpan.FromSeconds(60)));
        consumer.Start();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((int)sleeping.GetValue(q)! == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the consumer did not start waiting for room");
            Thread.Yield();
        }

        // A publish would have set the signal on this thread, before returning, had it meant to wake the consumer.
        Assert.True(q.TryPublish(new TupleImpl(Stream, [], 1, 2)));
        Assert.False(signal.IsSet, "a publish woke a consumer waiting for room");
        Assert.True(consumer.IsAlive);

        q.Wake();
        Assert.True(consumer.Join(TimeSpan.FromSeconds(20)), "the consumer waited on past a wake-up");
    }
}
