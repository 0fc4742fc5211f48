using System.Threading.Tasks.Dataflow;
using StormSharp.Benchmarks.Engine.Measurement;

namespace StormSharp.Benchmarks.Engine.Peers;

/// <summary>
/// TPL Dataflow built to the same shape: one ActionBlock per task (MaxDegreeOfParallelism 1, BoundedCapacity as the
/// engine's queues), the spout on its own thread, producers waiting on SendAsync when a block is full.
/// </summary>
public static class DataflowPeer
{
    public static IPipelineRun StartConst() => new ConstRun();

    public static IPipelineRun StartWordCount(double rate) => new WordCountRun(rate);

    private static ExecutionDataflowBlockOptions Options(bool singleProducer) => new()
    {
        BoundedCapacity = PipelineShape.QueueCapacity,
        MaxDegreeOfParallelism = 1,
        SingleProducerConstrained = singleProducer,
    };

    private sealed class ConstRun : IPipelineRun
    {
        private readonly ActionBlock<object> _sink;
        private readonly Thread _spout;
        private volatile bool _stop;
        private long _processed;

        public ConstRun()
        {
            long n = 0;
            _sink = new ActionBlock<object>(_ => Volatile.Write(ref _processed, ++n), Options(singleProducer: true));
            object tuple = new object?[] { PipelineShape.ConstValue };
            _spout = new Thread(() =>
            {
                while (!_stop)
                {
                    if (!_sink.Post(tuple) && !_sink.SendAsync(tuple).GetAwaiter().GetResult())
                    {
                        return;
                    }
                }
            })
            { IsBackground = true, Name = "dataflow-spout" };
            _spout.Start();
        }

        public long Processed => Volatile.Read(ref _processed);

        public LatencyHistogram? Latency => null;

        public void Dispose()
        {
            _stop = true;
            _spout.Join();
            _sink.Complete();
            _sink.Completion.Wait(TimeSpan.FromSeconds(10));
        }
    }

    private sealed class WordCountRun : IPipelineRun
    {
        private readonly ActionBlock<Envelope>[] _split = new ActionBlock<Envelope>[PipelineShape.SplitParallelism];
        private readonly ActionBlock<WordItem>[] _count = new ActionBlock<WordItem>[PipelineShape.CountParallelism];
        private readonly Thread _spout;
        private volatile bool _stop;
        private long _completed;

        public WordCountRun(double rate)
        {
            for (var i = 0; i < _count.Length; i++)
            {
                var counter = new WordCounter(Latency, () => Interlocked.Increment(ref _completed));
                _count[i] = new ActionBlock<WordItem>(w => counter.Count(w), Options(singleProducer: false));
            }

            for (var i = 0; i < _split.Length; i++)
            {
                _split[i] = new ActionBlock<Envelope>(SplitAsync, Options(singleProducer: true));
            }

            _spout = new Thread(() => Spout(new Pacer(rate))) { IsBackground = true, Name = "dataflow-wc-spout" };
            _spout.Start();
        }

        public long Processed => Volatile.Read(ref _completed);

        public LatencyHistogram Latency { get; } = new();

        public void Dispose()
        {
            _stop = true;
            _spout.Join();
            foreach (var b in _split)
            {
                b.Complete();
            }

            Task.WaitAll([.. _split.Select(b => b.Completion)], TimeSpan.FromSeconds(10));
            foreach (var b in _count)
            {
                b.Complete();
            }

            Task.WaitAll([.. _count.Select(b => b.Completion)], TimeSpan.FromSeconds(10));
        }

        private async Task SplitAsync(Envelope envelope)
        {
            var words = envelope.Sentence.Split(' ');
            envelope.Remaining = words.Length;
            foreach (var word in words)
            {
                var target = _count[PipelineShape.Partition(word, _count.Length)];
                var item = new WordItem(word, envelope);
                if (!target.Post(item))
                {
                    await target.SendAsync(item).ConfigureAwait(false);
                }
            }
        }

        private void Spout(Pacer pacer)
        {
            long emitted = 0;
            var next = 0;
            var spin = default(SpinWait);
            while (!_stop)
            {
                // At max pending, wait for completions (spin, yield, then sleep) before asking the pacer for more.
                if (emitted - Volatile.Read(ref _completed) >= PipelineShape.MaxPending)
                {
                    spin.SpinOnce();
                    continue;
                }

                spin.Reset();
                var due = pacer.Due(100);
                if (due == 0)
                {
                    Pacer.Rest();
                    continue;
                }

                for (var i = 0; i < due && !_stop; i++)
                {
                    var envelope = new Envelope(PipelineShape.Sentences[(int)(emitted % PipelineShape.Sentences.Length)]);
                    var target = _split[next];
                    if (!target.Post(envelope) && !target.SendAsync(envelope).GetAwaiter().GetResult())
                    {
                        return;
                    }

                    next = (next + 1) % _split.Length;
                    emitted++;
                }
            }
        }
    }
}
