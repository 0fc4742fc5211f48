using System.Globalization;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using StormSharp.Cli;
using StormSharp.Connectors.Kafka;
using StormSharp.Topology;
using StormSharp.Ui.Tests.Infrastructure;
using StormSharp.ZooKeeper.Tests.Infrastructure;

namespace StormSharp.Ui.Tests;

/// <summary>Storm's <c>/api/v1/topology/:id/lag</c>: a Kafka spout's lag, read by the UI from Kafka.</summary>
[Collection(StormLocalCollection.Name)]
public sealed class KafkaLagTests
{
    private const int Records = 1_000;

    [Fact]
    public async Task Lag_KafkaSpoutInLocalMode_ReportsEachPartitionsHeadAndCommitsUntilNothingIsLeft()
    {
        using var broker = EmbeddedKafkaBroker.Start();
        var topic = "orders-" + Guid.NewGuid().ToString("N")[..8];
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers, Acks = Acks.All }).Build())
        {
            for (var i = 0; i < Records; i++)
            {
                producer.Produce(topic, new Message<string, string> { Key = "k" + i, Value = "v" + i });
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(60)));
        }

        var port = Ports.Free();
        using var stderrText = new StringWriter();
        var stderr = TextWriter.Synchronized(stderrText);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        var run = StormCommand.RunAsync(
            ["local", typeof(KafkaLagTopology).Assembly.Location, typeof(KafkaLagTopology).FullName!, broker.BootstrapServers, topic,
             "--local-ttl", "140", "--ui", port.ToString(CultureInfo.InvariantCulture)],
            TextWriter.Null,
            stderr,
            stop.Token);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            var id = await LocalUiWait.TopologyAsync(http, run, stderrText, KafkaLagTopology.Name);

            JsonNode? spout = null;
            await Deadline.Until(
                async () =>
                {
                    spout = JsonNode.Parse(await http.GetStringAsync($"/api/v1/topology/{id}/lag"))!["records"];
                    var partitions = spout?["spoutLagResult"]?[topic]?.AsObject();
                    return partitions is { Count: 4 } && partitions.Sum(p => p.Value!["lag"]!.GetValue<long>()) == 0;
                },
                "the Kafka spout's lag to reach 0 on all 4 partitions",
                TimeSpan.FromSeconds(90));

            Assert.Equal("records", spout!["spoutId"]!.GetValue<string>());
            Assert.Equal("KAFKA", spout["spoutType"]!.GetValue<string>());
            var result = spout["spoutLagResult"]![topic]!.AsObject();
            Assert.Equal(["0", "1", "2", "3"], result.Select(p => p.Key).Order(StringComparer.Ordinal));
            Assert.Equal(Records, result.Sum(p => p.Value!["logHeadOffset"]!.GetValue<long>()));
            Assert.All(result, p => Assert.Equal(p.Value!["logHeadOffset"]!.GetValue<long>(), p.Value["consumerCommittedOffset"]!.GetValue<long>()));

            using var unknown = await http.GetAsync("/api/v1/topology/no-such-topology-1-1/lag").Within("the lag of an unknown topology");
            Assert.Equal(404, (int)unknown.StatusCode);
            Assert.Contains("lag-section", await http.GetStringAsync("/topology.html").Within("the topology page"), StringComparison.Ordinal);
        }
        finally
        {
            await stop.CancelAsync();
            await run.WaitAsync(TimeSpan.FromSeconds(60));
        }
    }
}

/// <summary>A Kafka spout (committing every second) into a bolt that acks: <c>Main(bootstrap, topic)</c>.</summary>
public static class KafkaLagTopology
{
    public const string Name = "kafka-lag";

    public static void Main(string[] args)
    {
        var builder = new TopologyBuilder();
        var spout = KafkaSpoutConfig.Builder(args[0], args[1]).SetGroupId("lag-test").SetOffsetCommitPeriod(TimeSpan.FromSeconds(1)).Build();
        builder.SetSpout("records", new KafkaSpout(spout), 1);
        builder.SetBolt("done", new DoneBolt(), 1).ShuffleGrouping("records");
        StormSubmitter.SubmitTopology(Name, new StormSharp.Topology.Config(), builder.CreateTopology());
    }

    private sealed class DoneBolt : BaseBasicBolt
    {
        public override void Execute(ITuple input, IBasicOutputCollector collector)
        {
        }

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
        {
        }
    }
}
