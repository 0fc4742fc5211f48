using System.Globalization;
using System.Text.Json.Nodes;
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
    public void Capture_WellKnownComparers_RoundTrip()
    {
        var original = new Comparers();
        original.IgnoreCase["Word"] = 1;
        original.Set.Add("Word");
        original.Sorted["b"] = 2;
        original.Sorted["A"] = 1;
        original.Culture["Wort"] = 1;
        original.SortedSet.UnionWith([3, 1, 2]);
        original.ByReference.Add(original.Queue);
        original.Queue.Enqueue(1);
        original.Queue.Enqueue(2);
        original.Stack.Push(1);
        original.Stack.Push(2);

        var copy = RoundTrip(original);

        Assert.Equal(1, copy.IgnoreCase["WORD"]);
        Assert.Contains("WORD", copy.Set);
        Assert.Equal(["A", "b"], copy.Sorted.Keys);
        Assert.Equal(StringComparer.InvariantCultureIgnoreCase, copy.Sorted.Comparer);
        Assert.Equal(original.Culture.Comparer, copy.Culture.Comparer);
        Assert.True(copy.Culture.ContainsKey("WORT"), "the de-DE ignore-case comparer should have come back");
        Assert.Equal([1, 2, 3], copy.SortedSet);
        Assert.Same(Comparer<int>.Default, copy.SortedSet.Comparer);
        Assert.Same(ReferenceEqualityComparer.Instance, copy.ByReference.Comparer);
        Assert.Contains(copy.Queue, copy.ByReference);
        Assert.Equal([1, 2], copy.Queue);
        Assert.Equal([2, 1], copy.Stack);
        Assert.False(copy.Plain.Comparer.Equals("a", "A"));
    }

    [Fact]
    public void Capture_CustomComparerOfPlainData_RoundTripsAsObject()
    {
        var original = new WithCustomComparer { ByMod = new HashSet<int>(new ModComparer(10)) { 1, 2 } };

        var copy = RoundTrip(original);

        var comparer = Assert.IsType<ModComparer>(copy.ByMod.Comparer);
        Assert.Equal(10, comparer.Modulus);
        Assert.Contains(11, copy.ByMod);
        Assert.DoesNotContain(13, copy.ByMod);
    }

    [Fact]
    public void Capture_FrameworkComparerNotKnown_IsRefusedWithPath()
    {
        var holder = new WithCustomComparer { ByMod = new HashSet<int>(EqualityComparer<int>.Create((a, b) => a == b, a => a)) };
        var e = Assert.Throws<InvalidTopologyException>(() => SerializedObject.Capture(holder, "component 'c' (WithCustomComparer)"));
        Assert.Contains("component 'c' (WithCustomComparer) cannot be shipped to its tasks: field WithCustomComparer.ByMod uses the comparer", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Capture_CollectionSubclass_KeepsItsFieldsAndComparer()
    {
        var original = new WithTally { Tally = new Tally { Label = "words" } };
        original.Tally["Word"] = 3;

        var copy = RoundTrip(original);

        Assert.Equal("words", Assert.IsType<Tally>(copy.Tally).Label);
        Assert.Equal(3, copy.Tally["WORD"]);
    }

    [Fact]
    public void Capture_SharedReferences_StayShared()
    {
        var list = new List<int> { 1 };
        var inner = new Inner { Name = "shared" };
        var original = new Sharing { First = list, Second = list, Many = [inner, inner], One = inner };

        var copy = RoundTrip(original);

        Assert.Same(copy.First, copy.Second);
        Assert.Same(copy.Many[0], copy.Many[1]);
        Assert.Same(copy.Many[0], copy.One);
        copy.First.Add(2);
        Assert.Equal([1, 2], copy.Second);
    }

    [Fact]
    public void Capture_CycleThroughCollection_IsRefusedWithPath()
    {
        var node = new ListNode();
        node.Children.Add(node);
        var e = Assert.Throws<InvalidTopologyException>(() => SerializedObject.Capture(node, "component 'c'"));
        Assert.Contains("ListNode.Children[0] refers back to an object that contains it (a cycle)", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("System.IO.FileInfo, System.Runtime", "System.IO.FileInfo, which is not one of the framework types")]
    [InlineData("StormSharp.Runtime.Configuration.ConfigValues, StormSharp.Runtime", "is not a concrete type")]
    [InlineData("StormSharp.Runtime.Serialization.StreamTable, StormSharp.Runtime", "from assembly StormSharp.Runtime, which it does not list")]
    public void Instantiate_HostileTypeInState_IsRefused(string hostile, string expected)
    {
        var shipped = SerializedObject.Capture(new RichState("s", [], [], new Inner()) { Anything = 1L }, "test");
        var state = JsonNode.Parse(shipped.State)!;
        state["root"]!["<Anything>k__BackingField"] = new JsonObject { ["$id"] = 99, ["$type"] = hostile, ["$value"] = new JsonObject() };
        var tampered = new SerializedObject(shipped.TypeName, state.ToJsonString());

        var e = Assert.Throws<InvalidOperationException>(() => tampered.Instantiate(name => Type.GetType(name)));
        Assert.Contains("RichState.Anything", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Instantiate_TypeNotAssignableToField_IsRefused()
    {
        var shipped = SerializedObject.Capture(new RichState("s", [], [], new Inner()), "test");
        var state = JsonNode.Parse(shipped.State)!;
        state["root"]!["_numbers"] = new JsonObject { ["$id"] = 99, ["$type"] = typeof(Inner).AssemblyQualifiedName, ["$value"] = new JsonObject() };
        var tampered = new SerializedObject(shipped.TypeName, state.ToJsonString());

        var e = Assert.Throws<InvalidOperationException>(() => tampered.Instantiate(name => Type.GetType(name)));
        Assert.Contains("RichState._numbers: the state names type", e.Message, StringComparison.Ordinal);
        Assert.Contains("cannot be stored in a field of type List<System.Int32>", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Instantiate_OtherBuildOfTheAssembly_IsRefused()
    {
        var shipped = SerializedObject.Capture(new Inner { Name = "x" }, "test");
        var state = JsonNode.Parse(shipped.State)!;
        var assemblies = state["assemblies"]!.AsObject();
        var name = typeof(Inner).Assembly.GetName().Name!;
        Assert.Equal(typeof(Inner).Assembly.ManifestModule.ModuleVersionId.ToString("D"), (string?)assemblies[name]);
        assemblies[name] = Guid.NewGuid().ToString("D");
        var tampered = new SerializedObject(shipped.TypeName, state.ToJsonString());

        var e = Assert.Throws<InvalidOperationException>(() => tampered.Instantiate(n => Type.GetType(n)));
        Assert.Contains($"assembly {name} here is build", e.Message, StringComparison.Ordinal);
        Assert.Contains("every end must run the same build", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Instantiate_StateOfAnotherFormat_IsRefused()
    {
        var old = new SerializedObject(typeof(Inner).AssemblyQualifiedName!, """{"<Name>k__BackingField":"x"}""");
        var e = Assert.Throws<InvalidOperationException>(() => old.Instantiate(n => Type.GetType(n)));
        Assert.Contains("is not in shipping format 2", e.Message, StringComparison.Ordinal);
    }

    private static T RoundTrip<T>(T value)
        where T : class
    {
        var copy = (T)SerializedObject.Capture(value, "test").Instantiate(name => Type.GetType(name));
        Assert.NotSame(value, copy);
        return copy;
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

    private sealed class Comparers
    {
        public Dictionary<string, int> IgnoreCase { get; } = new(StringComparer.OrdinalIgnoreCase);

        public Dictionary<string, int> Plain { get; } = [];

        public HashSet<string> Set { get; } = new(StringComparer.OrdinalIgnoreCase);

        public SortedDictionary<string, int> Sorted { get; } = new(StringComparer.InvariantCultureIgnoreCase);

        public Dictionary<string, int> Culture { get; } = new(StringComparer.Create(CultureInfo.GetCultureInfo("de-DE"), CompareOptions.IgnoreCase));

        public SortedSet<int> SortedSet { get; } = [];

        public HashSet<object> ByReference { get; } = new(ReferenceEqualityComparer.Instance);

        public Queue<int> Queue { get; } = new();

        public Stack<int> Stack { get; } = new();
    }

    private sealed class ModComparer(int modulus) : IEqualityComparer<int>
    {
        public int Modulus { get; } = modulus;

        public bool Equals(int x, int y) => x % Modulus == y % Modulus;

        public int GetHashCode(int obj) => obj % Modulus;
    }

    private sealed class WithCustomComparer
    {
        public HashSet<int> ByMod { get; set; } = [];
    }

    private sealed class Tally : Dictionary<string, int>
    {
        public Tally()
            : base(StringComparer.OrdinalIgnoreCase)
        {
        }

        public string Label { get; set; } = string.Empty;
    }

    private sealed class WithTally
    {
        public Dictionary<string, int> Tally { get; set; } = [];
    }

    private sealed class Sharing
    {
        public List<int> First { get; set; } = [];

        public List<int> Second { get; set; } = [];

        public Inner[] Many { get; set; } = [];

        public Inner? One { get; set; }
    }

    private sealed class ListNode
    {
        public List<ListNode> Children { get; } = [];
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
