using StormSharp.Benchmarks.Engine.Topologies;
using StormSharp.Runtime.Routing;
using StormSharp.Topology;

namespace StormSharp.Benchmarks.Engine.Micro;

/// <summary>
/// Builds the engine's groupers the way a worker does, from the groupings a <see cref="TopologyBuilder"/> declares
/// (Grouping's constructor belongs to the topology API).
/// </summary>
internal static class GroupingFactory
{
    public static readonly Fields StreamFields = new("word", "n");

    public static readonly int[] Targets = [11, 12, 13, 14];

    public static IReadOnlyList<string> Names { get; } = ["Shuffle", "LocalOrShuffle", "Fields", "PartialKey", "All", "Global", "Custom"];

    /// <summary>Fields grouping on key types other than strings (allocation check only, not timed).</summary>
    public static IReadOnlyList<string> KeyVariants { get; } = ["Fields:long", "Fields:Guid", "Fields:list"];

    public static Grouper Create(string name)
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new WordsSpout());
        var bolt = builder.SetBolt("bolt", new NullBolt(), Targets.Length);
        _ = name switch
        {
            "Shuffle" => bolt.ShuffleGrouping("spout"),
            "LocalOrShuffle" => bolt.LocalOrShuffleGrouping("spout"),
            "Fields" or "Fields:long" or "Fields:Guid" or "Fields:list" => bolt.FieldsGrouping("spout", new Fields("word")),
            "PartialKey" => bolt.PartialKeyGrouping("spout", new Fields("word")),
            "All" => bolt.AllGrouping("spout"),
            "Global" => bolt.GlobalGrouping("spout"),
            "Custom" => bolt.CustomGrouping("spout", new FirstTaskGrouping()),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown grouping"),
        };
        var grouping = builder.CreateTopology().ById["bolt"].Inputs[0].Grouping;
        return Grouper.Create(grouping, StreamFields, Targets, Targets, Custom, new Random(42));

        static ICustomStreamGrouping Custom()
        {
            var g = new FirstTaskGrouping();
            g.Prepare(null!, new GlobalStreamId("spout", Utils.DefaultStreamId), Targets);
            return g;
        }
    }

    /// <summary>A custom grouping that allocates nothing itself, so what is measured is the engine's part.</summary>
    public sealed class FirstTaskGrouping : ICustomStreamGrouping
    {
        [NonSerialized]
        private int[]? _choice;

        public void Prepare(TopologyContext context, GlobalStreamId stream, IReadOnlyList<int> targetTasks) => _choice = [targetTasks[0]];

        public IReadOnlyList<int> ChooseTasks(int taskId, IReadOnlyList<object?> values) => _choice!;
    }

    private sealed class WordsSpout : BaseRichSpout
    {
        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(StreamFields);

        public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector)
        {
        }

        public override void NextTuple()
        {
        }
    }
}
