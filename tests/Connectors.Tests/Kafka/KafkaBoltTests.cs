using System.Net;
using System.Net.Sockets;
using StormSharp.Connectors.Kafka;
using StormSharp.Connectors.Tests.Infrastructure;
using StormSharp.Connectors.Tests.Shared;
using StormSharp.Runtime;
using StormSharp.Topology;

namespace StormSharp.Connectors.Tests.Kafka;

public sealed class KafkaBoltTests(KafkaFixture kafka) : IClassFixture<KafkaFixture>
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Bolt_FixedTopic_WritesEveryTupleWithItsKeyAndAcksEach()
    {
        var topic = kafka.NewName("bolt");
        const int n = 1_000;
        var run = await RunAsync(n, new TupleSource(), new KafkaBolt(Producer(kafka.Bootstrap)).WithTopic(topic));

        Assert.Equal(n, run.Acked.Count);
        Assert.Empty(run.Failed);
        var records = ReadAll(topic, n);
        Assert.Equal(n, records.Count);
        for (var i = 0; i < n; i++)
        {
            Assert.Equal("message-" + i, records["key-" + i]);
        }
    }

    [Fact]
    public async Task Bolt_TopicFromField_RoutesEachTupleToItsTopic()
    {
        var a = kafka.NewName("bolt-a");
        var b = kafka.NewName("bolt-b");
        const int n = 200;
        var run = await RunAsync(n, new TupleSource(a, b), new KafkaBolt(Producer(kafka.Bootstrap)).WithTopicSelector(new FieldNameTopicSelector("topic")));

        Assert.Equal(n, run.Acked.Count);
        var inA = ReadAll(a, n / 2);
        var inB = ReadAll(b, n / 2);
        Assert.All(inA.Keys, k => Assert.Equal(0, int.Parse(k["key-".Length..], System.Globalization.CultureInfo.InvariantCulture) % 2));
        Assert.All(inB.Keys, k => Assert.Equal(1, int.Parse(k["key-".Length..], System.Globalization.CultureInfo.InvariantCulture) % 2));
    }

    [Fact]
    public async Task Bolt_BrokerUnreachable_AcksNothingAndFailsEachTupleOnItsDeliveryError()
    {
        const int n = 50;
        var props = Producer("127.0.0.1:" + ClosedPort());
        props["message.timeout.ms"] = "1500";
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var run = await RunAsync(n, new TupleSource(), new KafkaBolt(props).WithTopic("nowhere"));

        Assert.Empty(run.Acked);
        Assert.Equal(n, run.Failed.Count);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), $"the fails came from the delivery errors, not the 30 s message timeout ({sw.Elapsed.TotalSeconds:F1} s)");
    }

    [Fact]
    public async Task Bolt_FireAndForget_AcksWithoutWaitingForDelivery()
    {
        const int n = 50;
        var props = Producer("127.0.0.1:" + ClosedPort());
        props["message.timeout.ms"] = "1500";
        var run = await RunAsync(n, new TupleSource(), new KafkaBolt(props).WithTopic("nowhere").WithFireAndForget(true));

        Assert.Equal(n, run.Acked.Count);
        Assert.Empty(run.Failed);
    }

    [Fact]
    public void Bolt_WithoutBootstrapServers_IsRefusedNamingTheKey()
    {
        var e = Assert.Throws<ArgumentException>(() => new KafkaBolt(new Dictionary<string, string>()));
        Assert.Contains("bootstrap.servers", e.Message, StringComparison.Ordinal);
    }

    private static Dictionary<string, string> Producer(string bootstrap) => new(StringComparer.Ordinal)
    {
        ["bootstrap.servers"] = bootstrap,
        ["linger.ms"] = "5",
    };

    private static int ClosedPort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private Dictionary<string, string?> ReadAll(string topic, int expect)
    {
        using var consumer = kafka.NewConsumer(kafka.NewName("reader"));
        consumer.Subscribe(topic);
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        var deadline = DateTime.UtcNow + RunTimeout;
        while (result.Count < expect && DateTime.UtcNow < deadline)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (r is not null)
            {
                result[r.Message.Key!] = r.Message.Value;
            }
        }

        Assert.True(result.Count >= expect, $"read {result.Count} of {expect} records from {topic} in {RunTimeout.TotalSeconds} s");
        return result;
    }

    private async Task<SpoutRun> RunAsync(int n, TupleSource source, KafkaBolt bolt)
    {
        var runId = kafka.NewName("run");
        var run = CountingSpout.Runs[runId] = new SpoutRun(n);
        var builder = new TopologyBuilder();
        builder.SetSpout("source", new CountingSpout(runId, n, source));
        builder.SetBolt("kafka", bolt, 2).ShuffleGrouping("source");
        var name = kafka.NewName("bolt-topology");
        using var cluster = new LocalCluster();
        cluster.SubmitTopology(name, new Dictionary<string, object?> { [Config.TopologyMessageTimeoutSecs] = 30 }, builder.CreateTopology());
        try
        {
            await Wait.ForAsync(run.Settled.ContinueWith(_ => true), RunTimeout, $"{n} tuples acked or failed",
                () => $"{run.Acked.Count} acked, {run.Failed.Count} failed");
        }
        finally
        {
            cluster.KillTopology(name, TimeSpan.FromSeconds(10));
        }

        return run;
    }
}
