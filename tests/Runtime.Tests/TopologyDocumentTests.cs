using StormSharp.Runtime.Serialization;
using StormSharp.Topology;

namespace StormSharp.Runtime.Tests;

/// <summary>The topology as it travels to Nimbus and workers: graph, component state and config survive the trip.</summary>
public sealed class TopologyDocumentTests : ClusterTestBase
{
    [Fact]
    public void ReadWrite_WordCountWithConfig_RunsTheSameAfterTheTrip()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new CountingSpout(Key, 2_000), 2);
        builder.SetBolt("split", new RecordingBolt(Board.NewKey(), forward: true), 3).SetNumTasks(6).ShuffleGrouping("spout");
        builder.SetBolt("count", new RecordingBolt(OtherKey), 2).FieldsGrouping("spout", new Fields("n")).AllGrouping("split", "default")
            .AddConfiguration(Config.TopologyTickTupleFreqSecs, 5);
        var config = new Dictionary<string, object?>
        {
            ["topology.workers"] = 2,
            ["big"] = 5_000_000_000L,
            ["ratio"] = 2.0,
            ["share"] = 0.25,
            ["nothing"] = null,
            ["list"] = new List<object?> { 1, "two", true },
            ["map"] = new Dictionary<string, object?> { ["k"] = "v" },
        };

        var (topology, conf) = TopologyDocument.Read(TopologyDocument.Write(builder.CreateTopology(), config));

        Assert.Equal(2, conf["topology.workers"]);
        Assert.Equal(5_000_000_000L, conf["big"]);
        Assert.Equal(2.0, conf["ratio"]);
        Assert.IsType<double>(conf["ratio"]);
        Assert.Equal(0.25, conf["share"]);
        Assert.Null(conf["nothing"]);
        Assert.Equal(new List<object?> { 1, "two", true }, (List<object?>)conf["list"]!);
        Assert.Equal("v", ((Dictionary<string, object?>)conf["map"]!)["k"]);

        var original = builder.CreateTopology();
        Assert.Equal(original.Components.Select(c => (c.Id, c.IsSpout, c.Parallelism, c.NumTasks, c.Component.TypeName, c.Component.State)), topology.Components.Select(c => (c.Id, c.IsSpout, c.Parallelism, c.NumTasks, c.Component.TypeName, c.Component.State)));
        Assert.Equal(original.ById["count"].Inputs, topology.ById["count"].Inputs, (a, b) => a.Stream == b.Stream && a.Grouping.Type == b.Grouping.Type && Equals(a.Grouping.Fields, b.Grouping.Fields));
        Assert.Equal(5, topology.ById["count"].Config[Config.TopologyTickTupleFreqSecs]);

        // The rebuilt graph runs: every spout tuple acked, through both workers.
        Cluster.SubmitTopology("document", new Dictionary<string, object?>(conf) { ["topology.workers"] = 2 }, topology);
        Await.Until(() => Board.Of(Key).Acked.Count == 2_000, TimeSpan.FromSeconds(30), () => $"2000 acks, have {Board.Of(Key).Acked.Count}");
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("{\"format\": 99, \"config\": {}, \"components\": []}")]
    [InlineData("{\"format\": 1, \"config\": {}, \"components\": [{\"id\": \"x\"}]}")]
    public void Read_MalformedDocument_ThrowsInvalidData(string text)
    {
        var e = Assert.Throws<InvalidDataException>(() => TopologyDocument.Read(System.Text.Encoding.UTF8.GetBytes(text)));
        Assert.Contains("topology document", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_ConfigValueThatCannotTravel_IsRefusedNamingTheKey()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new CountingSpout(Key, 1));
        var e = Assert.Throws<NotSupportedException>(() => TopologyDocument.Write(builder.CreateTopology(), new Dictionary<string, object?> { ["odd"] = new Uri("http://x") }));
        Assert.Contains("config.odd", e.Message, StringComparison.Ordinal);
    }
}
