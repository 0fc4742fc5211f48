using System.Diagnostics;
using System.Globalization;
using StormSharp.Runtime.Routing;
using StormSharp.Runtime.Serialization;
using StormSharp.Runtime.Tests.Serialization;
using StormSharp.Topology;

namespace StormSharp.Runtime.Tests;

/// <summary>Fields groupings' hashes: equal for equal values, the same in every process, refused when they could not be.</summary>
public sealed class StableHashTests : ClusterTestBase
{
    [Fact]
    public void Value_EqualValuesOfDifferentForm_HashEqual()
    {
        Assert.Equal(StableHash.Value(1.0m), StableHash.Value(1.00m));
        Assert.Equal(StableHash.Value(0m), StableHash.Value(-0.000m));
        Assert.NotEqual(StableHash.Value(1m), StableHash.Value(2m));
        Assert.Equal(StableHash.Value(0.0), StableHash.Value(-0.0));
        Assert.Equal(
            StableHash.Value(new Dictionary<string, object?> { ["a"] = 1, ["b"] = "x" }),
            StableHash.Value(new Dictionary<string, object?> { ["b"] = "x", ["a"] = 1 }));
        Assert.Equal(
            StableHash.Value(new Dictionary<object, object?> { ["a"] = 1, [2L] = "x" }),
            StableHash.Value(new Dictionary<object, object?> { [2L] = "x", ["a"] = 1 }));
        Assert.NotEqual(
            StableHash.Value(new Dictionary<string, object?> { ["a"] = 1, ["b"] = 2 }),
            StableHash.Value(new Dictionary<string, object?> { ["a"] = 2, ["b"] = 1 }));
    }

    [Fact]
    public void Value_RegisteredType_HashesBySerializerBytes()
    {
        var registry = TupleValueSerializerFactory.Create(new Config().RegisterSerialization(typeof(Money), typeof(MoneySerializer)), n => Type.GetType(n));
        Assert.Equal(StableHash.Value(new Money("EUR", 5), registry), StableHash.Value(new Money("EUR", 5), registry));
        Assert.NotEqual(StableHash.Value(new Money("EUR", 5), registry), StableHash.Value(new Money("EUR", 6), registry));
        Assert.Throws<UnstableHashException>(() => StableHash.Value(new Money("EUR", 5)));
    }

    [Fact]
    public void Value_SetOrSelfContainingList_IsRefused()
    {
        Assert.Throws<UnstableHashException>(() => StableHash.Value(new HashSet<string> { "a" }));
        var list = new List<object?>();
        list.Add(list);
        var e = Assert.Throws<UnstableHashException>(() => StableHash.Value(list));
        Assert.Contains("more than 64 deep", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Value_EverySupportedType_SameInAChildProcess()
    {
        // The test assembly is also a program (HashProbe.Main) that prints the sample hashes: a process of its own,
        // with its own string hash seed and its own GetHashCode for everything.
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h ? h : "dotnet";
        var info = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(typeof(HashProbe).Assembly.Location);
        info.ArgumentList.Add(HashProbe.Argument);
        using var process = Process.Start(info)!;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            Assert.Fail("the hash probe process did not exit within 60 s");
        }

        Assert.True(process.ExitCode == 0, $"hash probe exit code {process.ExitCode}: {await stderr}");
        var child = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var here = HashProbe.Lines();
        Assert.Equal(HashProbe.Samples().Count, here.Count);
        Assert.Equal(here, child);
    }

    [Fact]
    public void Emit_UnregisteredRecordInFieldsGrouping_FailsNamingComponentStreamAndField()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new RecordSpout(), 1);
        builder.SetBolt("bolt", new RecordingBolt(OtherKey, false, "key"), 2).FieldsGrouping("spout", new Fields("key"));
        Cluster.SubmitTopology("records", new Config(), builder.CreateTopology());

        Await.Until(() => Cluster.GetTopologyInfo("records").Component("spout").Errors.Count > 0, TimeSpan.FromSeconds(20), "the spout's emit of a record key to be reported");
        var error = Cluster.GetTopologyInfo("records").Component("spout").Errors[0].Message;
        Assert.Contains($"component 'spout' emitted on stream 'default' a {typeof(RecordKey).FullName} in field 'key'", error, StringComparison.Ordinal);
        Assert.Contains("Config.RegisterSerialization(typeof(RecordKey)", error, StringComparison.Ordinal);
        Assert.Equal(0, Board.Of(OtherKey).Executed);
    }

    public sealed record RecordKey(string Name);

    private sealed class RecordSpout : BaseRichSpout
    {
        [NonSerialized]
        private ISpoutOutputCollector? _collector;
        private bool _done;

        public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector) => _collector = collector;

        public override void NextTuple()
        {
            if (!_done)
            {
                _done = true;
                _collector!.Emit(new Values(new RecordKey("a"), 1));
            }
        }

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("key", "n"));
    }
}
