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
}
