using StormSharp.Topology;

namespace StormSharp.Runtime.Tests;

public sealed class ComponentShippingTests
{
    [Fact]
    public void Capture_PrivateFieldsCollectionsAndNested_RoundTrip()
    {
        var original = new RichState("sep", [1, 2, 3], new Dictionary<string, int> { ["a"] = 1 }, new Inner { Name = "in", When = new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc) })
        {
            Anything = 42L,
            Shape = Shape.Square,
            Maybe = 7,
            Fields = new Fields("x", "y"),
        };

        var shipped = SerializedObject.Capture(original, "test");
        var copy = (RichState)shipped.Instantiate(name => Type.GetType(name));

        Assert.NotSame(original, copy);
        Assert.Equal("sep", copy.Separator);
        Assert.Equal([1, 2, 3], copy.Numbers);
        Assert.Equal(1, copy.Map["a"]);
        Assert.Equal("in", copy.Nested.Name);
        Assert.Equal(original.Nested.When, copy.Nested.When);
        Assert.Equal(42L, copy.Anything);
        Assert.Equal(Shape.Square, copy.Shape);
        Assert.Equal(7, copy.Maybe);
        Assert.Equal(new Fields("x", "y"), copy.Fields);
        Assert.Null(copy.Transient);
    }

    [Fact]
    public void Capture_Cycle_IsRefusedWithPath()
    {
        var node = new Node();
        node.Next = node;
        var e = Assert.Throws<InvalidTopologyException>(() => SerializedObject.Capture(node, "component 'c'"));
        Assert.Contains("component 'c' cannot be shipped to its tasks: Node.Next refers back", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tasks_EachGetTheirOwnInstance()
    {
        var key = Board.NewKey();
        try
        {
            var builder = new TopologyBuilder();
            builder.SetSpout("spout", new CountingSpout(key, 100));
            builder.SetBolt("mutating", new MutatingBolt(key), 4).ShuffleGrouping("spout");
            using var cluster = new LocalCluster();
            cluster.SubmitTopology("own", new Config(), builder.CreateTopology());
            var record = Board.Of(key);
            Await.Until(() => record.Acked.Count == 100, TimeSpan.FromSeconds(20), () => $"100 acks, have {record.Acked.Count}");

            // Each task counted only its own tuples in its own copy of the list: the per-task sizes add up to the total.
            Assert.Equal(100, record.PerTask.Values.Sum());
            Assert.Equal(4, record.PerTask.Count);
        }
        finally
        {
            Board.Forget(key);
        }
    }

    private enum Shape
    {
        Circle,
        Square,
    }

    private sealed class Inner
    {
        public string Name { get; set; } = string.Empty;

        public DateTime When { get; set; }
    }

    private sealed class RichState(string separator, List<int> numbers, Dictionary<string, int> map, Inner nested)
    {
        private readonly string _separator = separator;
        private readonly List<int> _numbers = numbers;
        private readonly Dictionary<string, int> _map = map;
        private readonly Inner _nested = nested;
        [NonSerialized]
        private readonly object? _transient = new();

        public string Separator => _separator;

        public List<int> Numbers => _numbers;

        public Dictionary<string, int> Map => _map;

        public Inner Nested => _nested;

        public object? Anything { get; set; }

        public Shape Shape { get; set; }

        public int? Maybe { get; set; }

        public Fields? Fields { get; set; }

        public object? Transient => _transient;
    }

    private sealed class Node
    {
        public Node? Next { get; set; }
    }

    private sealed class MutatingBolt(string key) : BaseRichBolt
    {
        private readonly List<long> _seen = [];
        [NonSerialized]
        private IOutputCollector? _collector;
        [NonSerialized]
        private int _task;

        public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector)
        {
            _collector = collector;
            _task = context.ThisTaskId;
        }

        public override void Execute(ITuple input)
        {
            _seen.Add(input.GetLong(0));
            Board.Of(key).PerTask[_task] = _seen.Count;
            _collector!.Ack(input);
        }

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
        {
        }
    }
}
