using StormSharp.Topology;

namespace StormSharp.Runtime.Tests;

public sealed class ValidationTests : ClusterTestBase
{
    [Fact]
    public void Submit_UnknownComponent_NamesBoltAndSource()
    {
        var b = new TopologyBuilder();
        b.SetSpout("spout", new CountingSpout(Key, 1));
        b.SetBolt("bolt", new RecordingBolt(Key)).ShuffleGrouping("nope");
        AssertRefused(b, "component 'bolt' subscribes to unknown component 'nope'");
    }

    [Fact]
    public void Submit_UnknownStream_NamesStreamAndDeclaredOnes()
    {
        var b = new TopologyBuilder();
        b.SetSpout("spout", new CountingSpout(Key, 1));
        b.SetBolt("bolt", new RecordingBolt(Key)).ShuffleGrouping("spout", "other");
        AssertRefused(b, "component 'bolt' subscribes to stream 'other' of 'spout', which does not declare it (declared: 'default')");
    }

    [Fact]
    public void Submit_GroupingOnUndeclaredField_NamesFieldAndStreamFields()
    {
        var b = new TopologyBuilder();
        b.SetSpout("spout", new CountingSpout(Key, 1));
        b.SetBolt("bolt", new RecordingBolt(Key)).FieldsGrouping("spout", new Fields("word"));
        AssertRefused(b, "component 'bolt' groups spout:default on field 'word', which the stream does not declare (its fields are [n])");
    }

    [Fact]
    public void Submit_PartialKeyOnUndeclaredField_IsRefused()
    {
        var b = new TopologyBuilder();
        b.SetSpout("spout", new CountingSpout(Key, 1));
        b.SetBolt("bolt", new RecordingBolt(Key)).PartialKeyGrouping("spout", new Fields("x"));
        AssertRefused(b, "on field 'x'");
    }

    [Fact]
    public void Submit_DirectGroupingOnPlainStream_IsRefused()
    {
        var b = new TopologyBuilder();
        b.SetSpout("spout", new CountingSpout(Key, 1));
        b.SetBolt("bolt", new RecordingBolt(Key)).DirectGrouping("spout");
        AssertRefused(b, "component 'bolt' uses a direct grouping on spout:default, which is not declared direct");
    }

    [Fact]
    public void Submit_DuplicateIds_AreRefused()
    {
        var b = new TopologyBuilder();
        b.SetSpout("x", new CountingSpout(Key, 1));
        b.SetBolt("x", new RecordingBolt(Key)).ShuffleGrouping("x");
        AssertRefused(b, "component id 'x' is used by more than one component");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public void Submit_NonPositiveParallelism_IsRefused(int parallelism)
    {
        var b = new TopologyBuilder();
        b.SetSpout("spout", new CountingSpout(Key, 1));
        b.SetBolt("bolt", new RecordingBolt(Key), parallelism).ShuffleGrouping("spout");
        AssertRefused(b, $"component 'bolt' has parallelism {parallelism}; it must be at least 1");
    }

    [Fact]
    public void Submit_ZeroTasks_IsRefused()
    {
        var b = new TopologyBuilder();
        b.SetSpout("spout", new CountingSpout(Key, 1)).SetNumTasks(0);
        AssertRefused(b, "component 'spout' has 0 tasks");
    }

    [Theory]
    [InlineData("__acker")]
    [InlineData("__system")]
    [InlineData("__tick")]
    public void Submit_ReservedId_IsRefused(string id)
    {
        var b = new TopologyBuilder();
        b.SetSpout("spout", new CountingSpout(Key, 1));
        b.SetBolt(id, new RecordingBolt(Key)).ShuffleGrouping("spout");
        AssertRefused(b, $"component id '{id}' is reserved");
    }

    [Fact]
    public void CreateTopology_ReservedStreamId_IsRefused()
    {
        var b = new TopologyBuilder();
        b.SetSpout("spout", new CountingSpout(Key, 1, true, "__mine"));
        var e = Assert.Throws<InvalidTopologyException>(b.CreateTopology);
        Assert.Contains("component 'spout': declares stream '__mine'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Submit_NoSpout_IsRefused()
    {
        var b = new TopologyBuilder();
        b.SetBolt("bolt", new RecordingBolt(Key));
        AssertRefused(b, "the topology has no spout");
    }

    [Fact]
    public void Submit_BadName_IsRefused()
    {
        var b = new TopologyBuilder();
        b.SetSpout("spout", new CountingSpout(Key, 1));
        var e = Assert.Throws<InvalidTopologyException>(() => Cluster.SubmitTopology("a/b", new Config(), b.CreateTopology()));
        Assert.Contains("the topology name 'a/b' contains", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Submit_SeveralProblems_AllListed()
    {
        var b = new TopologyBuilder();
        b.SetSpout("spout", new CountingSpout(Key, 1));
        b.SetBolt("a", new RecordingBolt(Key)).ShuffleGrouping("missing");
        b.SetBolt("b", new RecordingBolt(Key), 0).ShuffleGrouping("spout");
        var e = Assert.Throws<InvalidTopologyException>(() => Cluster.SubmitTopology("t", new Config(), b.CreateTopology()));
        Assert.Equal(2, e.Problems.Count);
    }

    [Fact]
    public void Submit_BadConfigValue_NamesTheKey()
    {
        var b = new TopologyBuilder();
        b.SetSpout("spout", new CountingSpout(Key, 1));
        var conf = new Config { [Config.TopologyMessageTimeoutSecs] = "soon" };
        var e = Assert.Throws<InvalidTopologyException>(() => Cluster.SubmitTopology("t", conf, b.CreateTopology()));
        Assert.Contains("configuration 'topology.message.timeout.secs' must be a whole number, not 'soon'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Submit_LocalityBoundsOutOfOrder_NamesBothKeysAndValues()
    {
        var b = new TopologyBuilder();
        b.SetSpout("spout", new CountingSpout(Key, 1));
        var conf = new Config { [Config.TopologyLocalityAwareLowerBound] = 0.9, [Config.TopologyLocalityAwareHigherBound] = 0.5 };
        var e = Assert.Throws<InvalidTopologyException>(() => Cluster.SubmitTopology("t", conf, b.CreateTopology()));
        Assert.Contains("configuration 'topology.localityaware.lower.bound' (0.9) and 'topology.localityaware.higher.bound' (0.5) must be loads from 0 to 1, the lower bound not above the higher", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Submit_BadSampleRateOrThreadFlagOnAComponent_NamesComponentAndKey()
    {
        var b = new TopologyBuilder();
        b.SetSpout("spout", new CountingSpout(Key, 1)).AddConfiguration(Config.TopologyStatsSampleRate, 0);
        b.SetBolt("bolt", new RecordingBolt(Key)).ShuffleGrouping("spout").AddConfiguration(Config.TopologyExecutorDedicatedThread, "sometimes");
        var e = Assert.Throws<InvalidTopologyException>(() => Cluster.SubmitTopology("t", new Config(), b.CreateTopology()));
        Assert.Contains("component 'spout': configuration 'topology.stats.sample.rate' must be more than 0 and at most 1, not 0", e.Problems);
        Assert.Contains("component 'bolt': configuration 'topology.executor.dedicated.thread' must be true or false, not 'sometimes'", e.Problems);
    }

    [Fact]
    public void Submit_NameAlreadyRunning_IsRefused()
    {
        var b = new TopologyBuilder();
        b.SetSpout("spout", new CountingSpout(Key, 1));
        Cluster.SubmitTopology("same", new Config(), b.CreateTopology());
        var e = Assert.Throws<InvalidOperationException>(() => Cluster.SubmitTopology("same", new Config(), b.CreateTopology()));
        Assert.Contains("'same' is already running", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateTopology_ComponentHoldingADelegate_NamesFieldAndFix()
    {
        var b = new TopologyBuilder();
        b.SetSpout("spout", new CountingSpout(Key, 1));
        b.SetBolt("holder", new DelegateHoldingBolt(x => x)).ShuffleGrouping("spout");
        var e = Assert.Throws<InvalidTopologyException>(b.CreateTopology);
        Assert.Contains("component 'holder' (DelegateHoldingBolt) cannot be shipped to its tasks", e.Message, StringComparison.Ordinal);
        Assert.Contains("_transform", e.Message, StringComparison.Ordinal);
        Assert.Contains("[NonSerialized]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateTopology_ComponentHoldingAFrameworkResource_IsRefused()
    {
        var b = new TopologyBuilder();
        b.SetSpout("spout", new StreamHoldingSpout());
        var e = Assert.Throws<InvalidTopologyException>(b.CreateTopology);
        Assert.Contains("field StreamHoldingSpout._stream holds a System.IO.MemoryStream", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Submit_ComponentWhoseTypeCannotBeFound_IsRefusedAtSubmit()
    {
        var b = new TopologyBuilder();
        b.SetSpout("spout", new CountingSpout(Key, 1));
        var topology = b.CreateTopology();
        var spout = topology.Components[0];
        var broken = new StormTopology([
            new ComponentDeclaration(spout.Id, true, new SerializedObject("No.Such.Type, NoSuchAssembly", "{}"), 1, 1, spout.Config, spout.Inputs, spout.Outputs),
        ]);
        var e = Assert.Throws<InvalidTopologyException>(() => Cluster.SubmitTopology("ghost", new Config(), broken));
        Assert.Contains("component 'spout' (No.Such.Type, NoSuchAssembly) cannot be rebuilt from its shipped state", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Submit_ThroughStormSubmitterWithoutCluster_SaysHowToRun()
    {
        var b = new TopologyBuilder();
        b.SetSpout("spout", new CountingSpout(Key, 1));
        var e = Assert.Throws<InvalidOperationException>(() => StormSubmitter.SubmitTopology("x", new Config(), b.CreateTopology()));
        Assert.Contains("storm local", e.Message, StringComparison.Ordinal);
    }

    private void AssertRefused(TopologyBuilder builder, string expected)
    {
        var e = Assert.Throws<InvalidTopologyException>(() => Cluster.SubmitTopology("t", new Config(), builder.CreateTopology()));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Empty(Cluster.GetTopologyNames());
    }

    private sealed class DelegateHoldingBolt(Func<int, int> transform) : BaseBasicBolt
    {
        private readonly Func<int, int> _transform = transform;

        public override void Execute(ITuple input, IBasicOutputCollector collector) => _transform(1);

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
        {
        }
    }

    private sealed class StreamHoldingSpout : BaseRichSpout
    {
        private readonly MemoryStream _stream = new();

        public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector)
        {
        }

        public override void NextTuple() => _stream.WriteByte(1);

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("x"));
    }
}
