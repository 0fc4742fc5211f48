using Confluent.Kafka;
using StormSharp.Connectors.Kafka;

namespace StormSharp.Connectors.Tests.Infrastructure;

/// <summary>
/// librdkafka's mock cluster (a real Kafka-protocol broker in this process) on a loopback port, shared by a test
/// class; each test uses its own topics and groups. The broker keeps about 5 MB per partition, so tests stay far below,
/// except those that mean to make it drop records.
/// </summary>
public sealed class KafkaFixture : IDisposable
{
    private int _next;

    public KafkaFixture()
    {
        Broker = EmbeddedKafkaBroker.Start();
        Producer = new ProducerBuilder<string?, string?>(new ProducerConfig
        {
            BootstrapServers = Broker.BootstrapServers,
            LingerMs = 5,
            Acks = Acks.All,
        }).Build();
    }

    public EmbeddedKafkaBroker Broker { get; }

    public IProducer<string?, string?> Producer { get; }

    public string Bootstrap => Broker.BootstrapServers;

    public string NewName(string prefix) => $"{prefix}-{Interlocked.Increment(ref _next)}-{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>Produces <paramref name="count"/> records "key-i" / "value-i" (from <paramref name="first"/>) and waits for every delivery.</summary>
    public void Produce(string topic, int count, int first = 0, string valuePrefix = "value-") =>
        ProduceAll(new TopicPartition(topic, Partition.Any), count, first, i => valuePrefix + i);

    /// <summary>
    /// Produces <paramref name="count"/> records of about <paramref name="valueBytes"/> bytes each to one partition, values
    /// "value-i-xxx..." (from <paramref name="first"/>), and waits for every delivery: enough of them makes the broker
    /// drop the partition's oldest records.
    /// </summary>
    public void ProduceTo(string topic, int partition, int count, int valueBytes, int first = 0)
    {
        var padding = new string('x', valueBytes);
        ProduceAll(new TopicPartition(topic, partition), count, first, i => "value-" + i + "-" + padding);
    }

    private void ProduceAll(TopicPartition target, int count, int first, Func<int, string> value)
    {
        var failed = 0;
        for (var i = first; i < first + count; i++)
        {
            var message = new Message<string?, string?> { Key = "key-" + i, Value = value(i) };
            while (true)
            {
                try
                {
                    Producer.Produce(target, message, r =>
                    {
                        if (r.Error.IsError)
                        {
                            Interlocked.Increment(ref failed);
                        }
                    });
                    break;
                }
                catch (ProduceException<string?, string?> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    Producer.Poll(TimeSpan.FromMilliseconds(50));
                }
            }
        }

        if (Producer.Flush(TimeSpan.FromSeconds(60)) != 0 || Volatile.Read(ref failed) != 0)
        {
            var where = target.Partition == Partition.Any ? target.Topic : $"{target.Topic}-{target.Partition.Value}";
            throw new InvalidOperationException($"producing {count} records to {where}: {failed} failed or not delivered in 60 s");
        }
    }

    /// <summary>A partition's first offset the broker still has (low watermark) and its end offset (high watermark).</summary>
    public (long Low, long High) Watermarks(string topic, int partition)
    {
        using var c = NewConsumer("watermarks-" + Guid.NewGuid().ToString("N"));
        var marks = c.QueryWatermarkOffsets(new TopicPartition(topic, partition), TimeSpan.FromSeconds(10));
        return (marks.Low.Value, marks.High.Value);
    }

    /// <summary>Each partition's end offset (high watermark).</summary>
    public Dictionary<int, long> EndOffsets(string topic)
    {
        using var c = NewConsumer("watermarks-" + Guid.NewGuid().ToString("N"));
        var result = new Dictionary<int, long>();
        for (var p = 0; p < EmbeddedKafkaBroker.DefaultPartitions; p++)
        {
            result[p] = c.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value;
        }

        return result;
    }

    /// <summary>The group's committed offset per partition (-1001 when none).</summary>
    public Dictionary<int, long> Committed(string topic, string group)
    {
        using var c = NewConsumer(group);
        var tps = Enumerable.Range(0, EmbeddedKafkaBroker.DefaultPartitions).Select(p => new TopicPartition(topic, p));
        return c.Committed(tps, TimeSpan.FromSeconds(10)).ToDictionary(o => o.Partition.Value, o => o.Offset.Value);
    }

    /// <summary>Commits <paramref name="offsets"/> for <paramref name="group"/>, as another consumer of the group would.</summary>
    public void Commit(string topic, string group, Dictionary<int, long> offsets)
    {
        using var c = NewConsumer(group);
        c.Commit(offsets.Select(kv => new TopicPartitionOffset(topic, kv.Key, kv.Value)));
    }

    public IConsumer<string?, string?> NewConsumer(string group) =>
        new ConsumerBuilder<string?, string?>(new ConsumerConfig
        {
            BootstrapServers = Broker.BootstrapServers,
            GroupId = group,
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).SetLogHandler((_, _) => { }).Build();

    public void Dispose()
    {
        Producer.Dispose();
        Broker.Dispose();
    }
}
