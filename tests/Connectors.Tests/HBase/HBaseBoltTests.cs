using System.Net;
using System.Text;
using StormSharp.Connectors.HBase;
using StormSharp.Connectors.Tests.Infrastructure;
using StormSharp.Connectors.Tests.Shared;
using StormSharp.Runtime;
using StormSharp.Topology;

namespace StormSharp.Connectors.Tests.HBase;

/// <summary>Row "row-(n mod 10)", cell cf:last = message, counter cf:count += 1, from the counting spout's tuples.</summary>
public sealed class TestMapper : IHBaseMapper
{
    private readonly string _family = "cf";

    public byte[] RowKey(ITuple tuple) => Encoding.UTF8.GetBytes("row-" + (tuple.GetIntegerByField("n") % 10));

    public ColumnList Columns(ITuple tuple) =>
        new ColumnList().AddColumn(_family, "m" + tuple.GetIntegerByField("n"), tuple.GetStringByField("message")!).AddCounter(_family, "count", 1);
}

public sealed class KeyRowMapper : IHBaseMapper
{
    public byte[] RowKey(ITuple tuple) => Encoding.UTF8.GetBytes(tuple.GetStringByField("key")!);

    public ColumnList Columns(ITuple tuple) => new();
}

/// <summary>Emits (key, cf:v as text or null).</summary>
public sealed class ValueMapper : IHBaseValueMapper
{
    public IReadOnlyList<IReadOnlyList<object?>> ToValues(ITuple input, HBaseRow? row) =>
        [new Values(input.GetStringByField("key"), row is not null && row.Cells.TryGetValue("cf:v", out var v) ? Encoding.UTF8.GetString(v) : null)];

    public void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("key", "value"));
}

public sealed class HBaseBoltTests : IAsyncLifetime
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);
    private HBaseRestServer _server = null!;

    public Task InitializeAsync()
    {
        _server = new HBaseRestServer();
        _server.CreateTable("orders", "cf");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Bolt_PutsAndCounters_LandInTheTableAndReadBackThroughTheGateway()
    {
        const int n = 300;
        var run = await RunAsync(n, new HBaseBolt(_server.Url, "orders", new TestMapper()).WithBatchSize(25));

        Assert.Equal(n, run.Acked.Count);
        Assert.Empty(run.Failed);
        using var client = new HBaseRestClient(_server.Url, TimeSpan.FromSeconds(10));
        for (var r = 0; r < 10; r++)
        {
            var row = client.GetRow("orders", Encoding.UTF8.GetBytes("row-" + r));
            Assert.NotNull(row);
            Assert.Equal(n / 10, ColumnList.CounterValue(row.Cells["cf:count"]));
            Assert.Equal(n / 10 + 1, row.Cells.Count);
            Assert.Equal("message-" + (r + 10), Encoding.UTF8.GetString(row.Cells["cf:m" + (r + 10)]));
        }

        // Batches: far fewer put requests than tuples (counters take their own).
        Assert.True(_server.Requests < n * 3, $"{_server.Requests} requests for {n} tuples");
    }

    [Fact]
    public async Task Bolt_UnknownTable_FailsEveryTupleAndReportsTheGatewaysAnswer()
    {
        const int n = 20;
        var run = await RunAsync(n, new HBaseBolt(_server.Url, "no-such-table", new TestMapper()).WithBatchSize(5), settle: true);

        Assert.Equal(n, run.Failed.Count);
        Assert.Empty(run.Acked);
    }

    [Fact]
    public async Task Bolt_GatewayAnswering503ForAWhile_FailsThoseBatchesAndTheReplaysLandOnceItRecovers()
    {
        const int n = 200;
        _server.FailNext(15);
        var run = await RunAsync(n, new HBaseBolt(_server.Url, "orders", new TestMapper()).WithBatchSize(10), replay: true);

        Assert.Equal(n, run.Acked.Count);
        Assert.NotEmpty(run.Failed);
        var rows = _server.Tables["orders"];
        Assert.Equal(n, rows.Values.Sum(r => r.Keys.Count(k => k.StartsWith("cf:m", StringComparison.Ordinal))));
    }

    [Fact]
    public void Client_UnknownFamily_ThrowsWithStatusAndTheGatewaysMessage()
    {
        using var client = new HBaseRestClient(_server.Url, TimeSpan.FromSeconds(10));
        var e = Assert.Throws<HBaseRestException>(() => client.PutRows("orders", [(Encoding.UTF8.GetBytes("r"), [("nope:q", [1])])]));
        Assert.Equal(HttpStatusCode.BadRequest, e.Status);
        Assert.Contains("NoSuchColumnFamilyException", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Client_CheckAndPut_PutsOnlyWhenTheCurrentValueIsTheExpectedOne()
    {
        using var client = new HBaseRestClient(_server.Url, TimeSpan.FromSeconds(10));
        var row = Encoding.UTF8.GetBytes("cas");
        Assert.True(client.CheckAndPut("orders", row, "cf:c", [1], null));
        Assert.False(client.CheckAndPut("orders", row, "cf:c", [2], null));
        Assert.False(client.CheckAndPut("orders", row, "cf:c", [2], [9]));
        Assert.True(client.CheckAndPut("orders", row, "cf:c", [2], [1]));
        Assert.Equal([2], client.GetRow("orders", row)!.Cells["cf:c"]);
        Assert.Null(client.GetRow("orders", Encoding.UTF8.GetBytes("absent")));
    }

    [Fact]
    public void Bolt_BadUrl_IsRefusedNamingIt()
    {
        var e = Assert.Throws<ArgumentException>(() => new HBaseBolt("localhost:8080", "t", new TestMapper()));
        Assert.Contains("localhost:8080", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lookup_RowsPresentAndAbsent_EmitsTheCellOrNull()
    {
        const int n = 40;
        var rows = _server.Tables["orders"];
        for (var i = 0; i < n; i += 2)
        {
            rows["key-" + i] = new(StringComparer.Ordinal) { ["cf:v"] = Encoding.UTF8.GetBytes("v" + i) };
        }

        var collect = Guid.NewGuid().ToString("N");
        var run = await RunAsync(n, new HBaseLookupBolt(_server.Url, "orders", new KeyRowMapper(), new ValueMapper()), collect: collect);

        Assert.Equal(n, run.Acked.Count);
        var seen = CollectBolt.Runs[collect].ToDictionary(v => (string)v[0]!, v => (string?)v[1]);
        for (var i = 0; i < n; i++)
        {
            Assert.Equal(i % 2 == 0 ? "v" + i : null, seen["key-" + i]);
        }
    }

    private static async Task<SpoutRun> RunAsync(int n, IRichBolt bolt, bool settle = false, bool replay = false, string? collect = null)
    {
        var runId = Guid.NewGuid().ToString("N");
        var run = CountingSpout.Runs[runId] = new SpoutRun(n);
        var builder = new TopologyBuilder();
        builder.SetSpout("source", new CountingSpout(runId, n, new TupleSource(), replay));
        builder.SetBolt("hbase", bolt, 2).ShuffleGrouping("source");
        if (collect is not null)
        {
            builder.SetBolt("collect", new CollectBolt(collect)).ShuffleGrouping("hbase");
        }

        var name = "hbase-" + runId[..8];
        using var cluster = new LocalCluster();
        cluster.SubmitTopology(name, new Dictionary<string, object?> { [Config.TopologyMessageTimeoutSecs] = 30 }, builder.CreateTopology());
        try
        {
            await Wait.ForAsync((settle ? run.Settled : run.AllAcked).ContinueWith(_ => true), RunTimeout, $"{n} tuples settled",
                () => $"{run.Acked.Count} acked, {run.Failed.Count} failed");
        }
        finally
        {
            cluster.KillTopology(name, TimeSpan.FromSeconds(10));
        }

        return run;
    }
}
