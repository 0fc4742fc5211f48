using StormSharp.Topology;

namespace StormSharp.Integration.Topologies;

/// <summary>A spout and a bolt whose Prepare always throws: the worker that runs it dies each time it starts.</summary>
public static class FailingPrepareTopology
{
    public const string Name = "failing-prepare";

    public const string ErrorMessage = "no connection to the store (failing-prepare)";

    public static void Main()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("numbers", new NumberSpout());
        builder.SetBolt("broken", new BrokenBolt()).ShuffleGrouping("numbers");
        StormSubmitter.SubmitTopology(Name, new Config(), builder.CreateTopology());
    }

    public sealed class NumberSpout : BaseRichSpout
    {
        [NonSerialized]
        private ISpoutOutputCollector? _collector;

        [NonSerialized]
        private long _next;

        public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector) => _collector = collector;

        public override void NextTuple() => _collector!.Emit(new Values(_next), _next++);

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("n"));
    }

    public sealed class BrokenBolt : BaseBasicBolt
    {
        public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context) =>
            throw new InvalidOperationException(ErrorMessage);

        public override void Execute(ITuple input, IBasicOutputCollector collector)
        {
        }

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
        {
        }
    }
}
