using StormSharp.Runtime.Execution;
using StormSharp.Runtime.Routing;
using StormSharp.Topology;

namespace StormSharp.Runtime.Tests;

public sealed class GroupingTests : ClusterTestBase
{
    [Fact]
    public void Shuffle_ManyTuples_SpreadEvenlyOverTasks()
    {
        var perTask = Run(4, 40_000, (d, s) => d.ShuffleGrouping(s));
        Assert.Equal(4, perTask.Count);
        Assert.All(perTask.Values, n => Assert.InRange(n, 7_500, 12_500));
    }

    [Fact]
    public void Shuffle_WithTargetsInItsWorker_KeepsToThemUntilTheirLoadPassesTheHigherBound_AndComesBackUnderTheLower()
    {
        // Targets 1 and 2 run in the emitter's worker, 3 and 4 elsewhere (whose load is not known here: 0).
        var grouper = new ShuffleGrouper([1, 2, 3, 4], new Random(5), [1, 2], ShuffleSettings.Default);
        Assert.Equal([1, 2], Chosen(grouper, 320));

        var load = new Dictionary<int, double> { [1] = 0.8, [2] = 0.8 }; // mean 0.8: at the bound, still local
        grouper.RefreshLoad(t => load.GetValueOrDefault(t));
        Assert.Equal([1, 2], Chosen(grouper, 320));

        load[1] = 0.85; // mean 0.825: over it
        grouper.RefreshLoad(t => load.GetValueOrDefault(t));
        Assert.Equal([1, 2, 3, 4], Chosen(grouper, 320));

        load[1] = 0.5;
        load[2] = 0.5; // mean of all four 0.25: not under the lower bound
        grouper.RefreshLoad(t => load.GetValueOrDefault(t));
        Assert.Equal([1, 2, 3, 4], Chosen(grouper, 320));

        load[1] = 0.3;
        load[2] = 0.3; // 0.15
        grouper.RefreshLoad(t => load.GetValueOrDefault(t));
        Assert.Equal([1, 2], Chosen(grouper, 320));
    }

    [Fact]
    public void Shuffle_LoadAwareMessagingDisabled_DealsEvenlyOverEveryTarget_WhateverTheLoad()
    {
        var grouper = new ShuffleGrouper([1, 2, 3, 4], new Random(5), [1, 2], ShuffleSettings.Default with { LoadAware = false });
        grouper.RefreshLoad(t => t == 1 ? 1.0 : 0.0);
        var counts = Enumerable.Range(0, 6_400).Select(_ => Choose(grouper)).CountBy(t => t).ToDictionary();
        Assert.Equal([1, 2, 3, 4], counts.Keys.Order());
        Assert.All(counts.Values, n => Assert.Equal(1_600, n));
    }

    [Fact]
    public void Shuffle_AllTargetsInItsWorker_WeighsByLoadAlone()
    {
        var grouper = new ShuffleGrouper([1, 2], new Random(5), [1, 2], ShuffleSettings.Default);
        grouper.RefreshLoad(t => t == 1 ? 1.0 : 0.0); // full: dealt once per 17 instead of half the time
        var counts = Enumerable.Range(0, 1_700).Select(_ => Choose(grouper)).CountBy(t => t).ToDictionary();
        Assert.Equal(100, counts[1]);
        Assert.Equal(1_600, counts[2]);
    }

    private static int Choose(Grouper grouper)
    {
        var into = new int[4];
        Assert.Equal(1, grouper.Choose(0, [], into));
        return into[0];
    }

    private static int[] Chosen(Grouper grouper, int n) => [.. Enumerable.Range(0, n).Select(_ => Choose(grouper)).Distinct().Order()];

    [Fact]
    public void None_ManyTuples_ReachEveryTask()
    {
        var perTask = Run(3, 9_000, (d, s) => d.NoneGrouping(s));
        Assert.Equal(3, perTask.Count);
        Assert.All(perTask.Values, n => Assert.InRange(n, 1_500, 4_500));
    }

    [Fact]
    public void LocalOrShuffle_OneWorker_SpreadOverAllTasks()
    {
        var perTask = Run(3, 9_000, (d, s) => d.LocalOrShuffleGrouping(s));
        Assert.Equal(3, perTask.Count);
        Assert.All(perTask.Values, n => Assert.InRange(n, 1_500, 4_500));
    }

    [Fact]
    public void All_EveryTaskReceivesEveryTuple()
    {
        var perTask = Run(3, 1_000, (d, s) => d.AllGrouping(s));
        Assert.Equal(3, perTask.Count);
        Assert.All(perTask.Values, n => Assert.Equal(1_000, n));
    }

    [Fact]
    public void Global_OnlyLowestTaskReceives()
    {
        var perTask = Run(3, 1_000, (d, s) => d.GlobalGrouping(s));
        var single = Assert.Single(perTask);
        Assert.Equal(1_000, single.Value);
        Assert.Equal(perTask.Keys.Min(), single.Key);
    }

    [Fact]
    public void Fields_SameValueSameTask_AndEveryTaskUsed()
    {
        Run(4, 8_000, (d, s) => d.FieldsGrouping(s, new Fields("n")), modulo: 50);
        var record = Board.Of(OtherKey);
        var taskOfKey = new Dictionary<long, HashSet<int>>();
        foreach (var (task, values) in record.Received)
        {
            var k = (long)values[0]!;
            if (!taskOfKey.TryGetValue(k, out var set))
            {
                taskOfKey[k] = set = [];
            }

            set.Add(task);
        }

        Assert.Equal(50, taskOfKey.Count);
        Assert.All(taskOfKey.Values, tasks => Assert.Single(tasks));
        Assert.Equal(4, taskOfKey.Values.Select(t => t.First()).Distinct().Count());
    }

    [Fact]
    public void Fields_HashIsStableAcrossProcesses()
    {
        // Golden values: string.GetHashCode is randomised per process, ours must not be, or a key would move between
        // tasks when a worker restarts.
        Assert.Equal(1_869_395_947u, StableHash.Value("apple")); // XXH3-64 of the UTF-16LE bytes, seed 0x9747b28c, halves XORed
        var grouper = new FieldsGrouper([1, 2, 3, 4, 5], [0]);
        var into = new int[5];
        var chosen = new[] { "apple", "banana", "cherry", "date" }.Select(k =>
        {
            grouper.Choose(0, new Values(k), into);
            return into[0];
        }).ToArray();
        Assert.Equal(new[] { 4, 5, 4, 1 }, chosen);
    }

    [Fact]
    public void Fields_RoutingGuidListAndStringKeys_AllocatesNothing()
    {
        var grouper = new FieldsGrouper([1, 2, 3], [0]);
        var into = new int[3];
        IReadOnlyList<object?>[] tuples =
        [
            new Values("word"), new Values(42L), new Values(Guid.NewGuid()), new Values(new List<object?> { "a", 1 }), new Values(new object?[] { "b", 2 }),
        ];
        foreach (var t in tuples)
        {
            grouper.Choose(0, t, into);
        }

        Assert.Equal(0, FewestBytesAllocated(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                grouper.Choose(0, tuples[i % tuples.Length], into);
            }
        }));
    }

    [Fact]
    public void Custom_GroupingReturningItsOwnList_RoutesWithoutAllocating()
    {
        var custom = new EvenOddGrouping();
        custom.Prepare(null!, new GlobalStreamId("spout", Utils.DefaultStreamId), [1, 2]);
        var grouper = new CustomGrouper([1, 2], custom);
        var into = new int[2];
        IReadOnlyList<object?> tuple = new Values(3L);
        for (var i = 0; i < 10_000; i++)
        {
            grouper.Choose(0, tuple, into); // past tiered compilation's first tiers, which may allocate while they run
        }

        Assert.Equal(0, FewestBytesAllocated(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                grouper.Choose(0, tuple, into);
            }
        }));
        Assert.Equal(2, into[0]);
    }

    [Fact]
    public void Fields_ListAndArrayOfSameValues_HashAlike()
    {
        Assert.Equal(StableHash.Value(new List<object?> { "a", 1 }), StableHash.Value(new object?[] { "a", 1 }));
    }

    [Fact]
    public void PartialKey_HotKey_SplitOverTwoTasksAtMost()
    {
        var grouper = new PartialKeyGrouper([1, 2, 3, 4], [0]);
        var into = new int[4];
        var counts = new Dictionary<int, int>();
        var tasksOfKey = new Dictionary<string, HashSet<int>>();
        for (var i = 0; i < 10_000; i++)
        {
            var key = i % 2 == 0 ? "hot" : "k" + (i % 97);
            grouper.Choose(0, new Values(key), into);
            counts[into[0]] = counts.GetValueOrDefault(into[0]) + 1;
            if (!tasksOfKey.TryGetValue(key, out var set))
            {
                tasksOfKey[key] = set = [];
            }

            set.Add(into[0]);
        }

        Assert.All(tasksOfKey.Values, s => Assert.InRange(s.Count, 1, 2));
        Assert.Equal(2, tasksOfKey["hot"].Count);

        // The hot key alone is half the input; with two choices no task should take much more than a fair share of it.
        Assert.True(counts.Values.Max() < 4_000, $"most loaded task got {counts.Values.Max()} of 10000");
    }

    [Fact]
    public void PartialKey_InTopology_EveryTupleDelivered()
    {
        var perTask = Run(3, 3_000, (d, s) => d.PartialKeyGrouping(s, new Fields("n")), modulo: 10);
        Assert.Equal(3_000, perTask.Values.Sum());
    }

    [Fact]
    public void Direct_EmitDirect_ReachesChosenTaskOnly()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new CountingSpout(Key, 300));
        builder.SetBolt("router", new DirectRouterBolt(), 1).ShuffleGrouping("spout");
        builder.SetBolt("sink", new RecordingBolt(OtherKey), 3).DirectGrouping("router");
        Cluster.SubmitTopology("direct", new Config(), builder.CreateTopology());
        AwaitAcks(300);

        var record = Board.Of(OtherKey);
        var tasks = record.PerTask.Keys.Order().ToArray();
        Assert.Equal(3, tasks.Length);
        Assert.All(record.Received, r => Assert.Equal(tasks[(int)((long)r.Values[0]! % 3)], r.Task));
    }

    [Fact]
    public void Direct_PlainEmitOnDirectStream_IsAnErrorAndFailsTheTuple()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new CountingSpout(Key, 10));
        builder.SetBolt("router", new DirectRouterBolt(useDirect: false), 1).ShuffleGrouping("spout");
        builder.SetBolt("sink", new RecordingBolt(OtherKey), 2).DirectGrouping("router");
        Cluster.SubmitTopology("direct-bad", new Config(), builder.CreateTopology());

        var spout = Board.Of(Key);
        Await.Until(() => spout.Failed.Count == 10, TimeSpan.FromSeconds(20), () => $"10 fails, have {spout.Failed.Count}");
        var errors = Cluster.GetTopologyInfo("direct-bad").Component("router").Errors;
        Assert.Contains(errors, e => e.Message.Contains("direct stream 'default'", StringComparison.Ordinal) && e.Message.Contains("EmitDirect", StringComparison.Ordinal));
    }

    [Fact]
    public void Direct_EmitDirectOnPlainStream_IsAnError()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new CountingSpout(Key, 5));
        builder.SetBolt("router", new DirectRouterBolt(useDirect: true, declareDirect: false), 1).ShuffleGrouping("spout");
        builder.SetBolt("sink", new RecordingBolt(OtherKey), 2).ShuffleGrouping("router");
        Cluster.SubmitTopology("direct-plain", new Config(), builder.CreateTopology());

        var spout = Board.Of(Key);
        Await.Until(() => spout.Failed.Count == 5, TimeSpan.FromSeconds(20), () => $"5 fails, have {spout.Failed.Count}");
        var errors = Cluster.GetTopologyInfo("direct-plain").Component("router").Errors;
        Assert.Contains(errors, e => e.Message.Contains("not declared direct", StringComparison.Ordinal));
    }

    [Fact]
    public void Custom_GroupingChoosesTasks_AsItSays()
    {
        var perTask = Run(4, 1_000, (d, s) => d.CustomGrouping(s, new EvenOddGrouping()));
        Assert.Equal(2, perTask.Count);
        var record = Board.Of(OtherKey);
        var tasks = perTask.Keys.Order().ToArray();
        Assert.All(record.Received, r => Assert.Equal(tasks[(int)((long)r.Values[0]! % 2)], r.Task));
    }

    private Dictionary<int, long> Run(int boltTasks, int count, Action<BoltDeclarer, string> subscribe, int modulo = 0)
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", modulo == 0 ? new CountingSpout(Key, count) : new ModuloSpout(Key, count, modulo));
        subscribe(builder.SetBolt("bolt", new RecordingBolt(OtherKey), boltTasks), "spout");
        Cluster.SubmitTopology("grouping", new Config(), builder.CreateTopology());
        AwaitAcks(count);
        return new Dictionary<int, long>(Board.Of(OtherKey).PerTask);
    }

    private void AwaitAcks(int count)
    {
        var spout = Board.Of(Key);
        Await.Until(() => spout.Acked.Count + spout.Failed.Count >= count, TimeSpan.FromSeconds(60),
            () => $"{count} spout tuples acked, have {spout.Acked.Count} (+{spout.Failed.Count} failed)");
        Assert.Empty(spout.Failed);
    }

    private sealed class ModuloSpout(string key, long count, int modulo) : BaseRichSpout
    {
        [NonSerialized]
        private ISpoutOutputCollector? _collector;
        private long _next;

        public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector) => _collector = collector;

        public override void NextTuple()
        {
            if (_next < count)
            {
                _collector!.Emit(new Values(_next % modulo), _next++);
            }
        }

        public override void Ack(object msgId) => Board.Of(key).Acked.TryAdd(msgId, 1);

        public override void Fail(object msgId) => Board.Of(key).Failed.TryAdd(msgId, 1);

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("n"));
    }

    private sealed class DirectRouterBolt(bool useDirect = true, bool declareDirect = true) : BaseRichBolt
    {
        [NonSerialized]
        private IOutputCollector? _collector;
        [NonSerialized]
        private IReadOnlyList<int>? _sinkTasks;

        public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector)
        {
            _collector = collector;
            _sinkTasks = context.GetComponentTasks("sink");
        }

        public override void Execute(ITuple input)
        {
            var n = input.GetLong(0);
            if (useDirect)
            {
                _collector!.EmitDirect(_sinkTasks![(int)(n % _sinkTasks.Count)], input, input.Values);
            }
            else
            {
                _collector!.Emit(input, input.Values);
            }

            _collector!.Ack(input);
        }

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(declareDirect, new Fields("n"));
    }

    private sealed class EvenOddGrouping : ICustomStreamGrouping
    {
        [NonSerialized]
        private int[][]? _choices;

        public void Prepare(TopologyContext context, GlobalStreamId stream, IReadOnlyList<int> targetTasks) =>
            _choices = [[targetTasks[0]], [targetTasks[1]]];

        public IReadOnlyList<int> ChooseTasks(int taskId, IReadOnlyList<object?> values) => _choices![(int)((long)values[0]! % 2)];
    }

    /// <summary>
    /// The fewest bytes this thread allocated over five runs of <paramref name="run"/>: an allocation on every call
    /// shows in each run, while the runtime's own (tiering a method up, loading a type) lands in one run at most.
    /// </summary>
    private static long FewestBytesAllocated(Action run)
    {
        var fewest = long.MaxValue;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            run();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return fewest;
    }
}
