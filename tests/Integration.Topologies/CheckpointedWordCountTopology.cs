using System.Globalization;
using StormSharp.Topology;
using StormSharp.Topology.State;

namespace StormSharp.Integration.Topologies;

/// <summary>
/// Word count with its counts in checkpointed state on the file provider, fed by a source that can rewind: sentence
/// i of n, in order, its position the next index. Submitted as <c>storm jar ... CheckpointedWordCountTopology
/// &lt;name&gt; &lt;sentences&gt; &lt;pause ms&gt;</c> on one worker; the cluster tests kill that worker mid-run and
/// read the committed counts from the files.
/// </summary>
public static class CheckpointedWordCountTopology
{
    /// <summary>The words of sentence <paramref name="i"/>: 3 of 23 distinct words, in proportions a test can compute.</summary>
    public static string Sentence(long i) => $"w{i % 7} v{i % 13} u{i % 3}";

    public static void Main(string[] args)
    {
        var name = args[0];
        var sentences = long.Parse(args[1], CultureInfo.InvariantCulture);
        var pauseMs = int.Parse(args[2], CultureInfo.InvariantCulture);
        var builder = new TopologyBuilder();
        builder.SetSpout("sentences", new RewindableSentenceSpout(sentences, pauseMs), 1);
        builder.SetBolt("split", new SplitBolt(), 2).ShuffleGrouping("sentences");
        builder.SetStatefulBolt("count", new CountBolt(), 2).FieldsGrouping("split", new Fields("word"));
        var conf = new Config()
            .SetNumWorkers(1)
            .SetMaxSpoutPending(100)
            .SetCheckpointIntervalMs(200)
            .SetStateProvider("file");
        StormSubmitter.SubmitTopology(name, conf, builder.CreateTopology());
    }

    public sealed class RewindableSentenceSpout(long count, int pauseMs) : BaseRichSpout, ICheckpointableSpout
    {
        [NonSerialized]
        private ISpoutOutputCollector? _collector;
        [NonSerialized]
        private long _next;

        public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector) => _collector = collector;

        public override void NextTuple()
        {
            if (_next >= count)
            {
                return;
            }

            _collector!.Emit(new Values(Sentence(_next)), _next);
            _next++;
            Thread.Sleep(pauseMs);
        }

        public string? GetPosition() => _next.ToString(CultureInfo.InvariantCulture);

        public void Seek(string? position) => _next = position is null ? 0 : long.Parse(position, CultureInfo.InvariantCulture);

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("sentence"));
    }

    public sealed class SplitBolt : BaseBasicBolt
    {
        public override void Execute(ITuple input, IBasicOutputCollector collector)
        {
            foreach (var w in (input.GetString(0) ?? string.Empty).Split(' '))
            {
                collector.Emit(new Values(w));
            }
        }

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("word"));
    }

    public sealed class CountBolt : BaseStatefulBolt<KeyValueState<string, long>>
    {
        [NonSerialized]
        private IOutputCollector? _collector;
        [NonSerialized]
        private KeyValueState<string, long>? _counts;

        public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector) => _collector = collector;

        public override void InitState(KeyValueState<string, long> state) => _counts = state;

        public override void Execute(ITuple input)
        {
            var word = input.GetString(0) ?? string.Empty;
            _counts!.Put(word, _counts.Get(word, 0) + 1);
            _collector!.Ack(input);
        }

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
        {
        }
    }
}
