using Akka;
using Akka.Actor;
using Akka.Configuration;
using Akka.Streams;
using Akka.Streams.Dsl;
using StormSharp.Benchmarks.Engine.Measurement;

namespace StormSharp.Benchmarks.Engine.Peers;

/// <summary>
/// Akka.Streams built to the same shape: an async boundary per task, Balance for the shuffle into the split
/// stages, Merge + Partition for the fields grouping into the count stages (Akka has no many-to-many hash
/// junction, so that hop is one extra actor), input buffers the size of the engine's queues.
/// </summary>
public static class AkkaPeer
{
    private const string Hocon = """
        akka.loglevel = ERROR
        akka.stdout-loglevel = OFF
        akka.log-dead-letters = off
        akka.log-dead-letters-during-shutdown = off
        """;

    public static IPipelineRun StartConst()
    {
        var run = new Run(latency: null);
        object tuple = new object?[] { PipelineShape.ConstValue };
        long n = 0;
        run.Start(Source.Repeat(tuple)
            .Via(run.StopFlow<object>())
            .Async()
            .To(Sink.ForEach<object>(_ => run.SetProcessed(++n))));
        return run;
    }

    public static IPipelineRun StartWordCount(double rate)
    {
        var latency = new LatencyHistogram();
        var run = new Run(latency);
        // Paced by the same pacer as the other spouts, on the source stage's thread (Akka's Throttle runs on a
        // 10 ms scheduler tick, which cannot hold rates in the tens of thousands per second).
        long emitted = 0;
        var sentences = Source.FromEnumerator(() => Paced(new Pacer(rate)))
            .Select(_ => new Envelope(PipelineShape.Sentences[(int)(emitted++ % PipelineShape.Sentences.Length)]))
            .Via(run.StopFlow<Envelope>())
            .Async();
        run.Start(RunnableGraph.FromGraph(GraphDsl.Create(b =>
        {
            var balance = b.Add(new Balance<Envelope>(PipelineShape.SplitParallelism));
            var merge = b.Add(new Merge<WordItem>(PipelineShape.SplitParallelism));
            var partition = b.Add(new Partition<WordItem>(
                PipelineShape.CountParallelism, w => PipelineShape.Partition(w.Word, PipelineShape.CountParallelism)));
            b.From(sentences).To(balance.In);
            for (var i = 0; i < PipelineShape.SplitParallelism; i++)
            {
                b.From(balance.Out(i)).Via(Flow.Create<Envelope>().SelectMany(Split).Async()).To(merge.In(i));
            }

            b.From(merge.Out).To(partition.In);
            for (var i = 0; i < PipelineShape.CountParallelism; i++)
            {
                var counter = new WordCounter(latency, run.IncrementProcessed);
                b.From(partition.Out(i)).To(Sink.ForEach<WordItem>(w => counter.Count(w)).Async());
            }

            return ClosedShape.Instance;
        })));

        return run;
    }

    private static IEnumerator<int> Paced(Pacer pacer)
    {
        while (true)
        {
            var due = pacer.Due(100);
            if (due == 0)
            {
                Pacer.Rest();
                continue;
            }

            for (var i = 0; i < due; i++)
            {
                yield return i;
            }
        }
    }

    private static WordItem[] Split(Envelope envelope)
    {
        var words = envelope.Sentence.Split(' ');
        envelope.Remaining = words.Length;
        var items = new WordItem[words.Length];
        for (var i = 0; i < words.Length; i++)
        {
            items[i] = new WordItem(words[i], envelope);
        }

        return items;
    }

    private sealed class Run : IPipelineRun
    {
        private readonly ActorSystem _system;
        private readonly SharedKillSwitch _stop;
        private long _processed;

        public Run(LatencyHistogram? latency)
        {
            Latency = latency;
            _system = ActorSystem.Create("bench", ConfigurationFactory.ParseString(Hocon));
            Materializer = _system.Materializer(ActorMaterializerSettings.Create(_system)
                .WithInputBuffer(PipelineShape.QueueCapacity, PipelineShape.QueueCapacity));
            _stop = KillSwitches.Shared("stop");
        }

        public long Processed => Volatile.Read(ref _processed);

        public LatencyHistogram? Latency { get; }

        private ActorMaterializer Materializer { get; }

        public IGraph<FlowShape<T, T>, SharedKillSwitch> StopFlow<T>() => _stop.Flow<T>();

        public void Start(IRunnableGraph<NotUsed> graph) => graph.Run(Materializer);

        public void SetProcessed(long n) => Volatile.Write(ref _processed, n);

        public void IncrementProcessed() => Interlocked.Increment(ref _processed);

        public void Dispose()
        {
            _stop.Shutdown();
            Materializer.Dispose();
            _system.Terminate().Wait(TimeSpan.FromSeconds(10));
        }
    }
}
