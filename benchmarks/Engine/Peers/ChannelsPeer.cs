using System.Threading.Channels;
using StormSharp.Benchmarks.Engine.Measurement;

namespace StormSharp.Benchmarks.Engine.Peers;

/// <summary>
/// The hand-written in-process limit: one dedicated thread per task (as the engine's executors), bounded
/// System.Threading.Channels queues between them, producers that block when a queue is full.
/// </summary>
public static class ChannelsPeer
{
    public static IPipelineRun StartConst() => new ConstRun();

    public static IPipelineRun StartWordCount(double rate) => new WordCountRun(rate);

    private static Channel<T> Bounded<T>(bool singleWriter) =>
        Channel.CreateBounded<T>(new BoundedChannelOptions(PipelineShape.QueueCapacity)
        {
            SingleReader = true,
            SingleWriter = singleWriter,
            FullMode = BoundedChannelFullMode.Wait,

            // The waiters are threads blocked on the wait's task: completing it inline wakes them directly instead of
            // through a thread-pool hop, which on a busy 2-core machine costs milliseconds.
            AllowSynchronousContinuations = true,
        });

    // A short spin before blocking, as a careful hand-written pipeline does: a thread handoff costs microseconds.
    private static bool Write<T>(ChannelWriter<T> writer, T item)
    {
        if (writer.TryWrite(item))
        {
            return true;
        }

        var spin = default(SpinWait);
        while (!spin.NextSpinWillYield)
        {
            spin.SpinOnce();
            if (writer.TryWrite(item))
            {
                return true;
            }
        }

        while (!writer.TryWrite(item))
        {
            if (!writer.WaitToWriteAsync().AsTask().GetAwaiter().GetResult())
            {
                return false;
            }
        }

        return true;
    }

    private static bool WaitToRead<T>(ChannelReader<T> reader)
    {
        var spin = default(SpinWait);
        while (!spin.NextSpinWillYield)
        {
            spin.SpinOnce();
            if (reader.TryPeek(out _))
            {
                return true;
            }
        }

        return reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult();
    }

    private static Thread Run(string name, Action body)
    {
        var t = new Thread(() => body()) { IsBackground = true, Name = name };
        t.Start();
        return t;
    }

    private sealed class ConstRun : IPipelineRun
    {
        private readonly Channel<object> _channel = Bounded<object>(singleWriter: true);
        private readonly Thread[] _threads;
        private volatile bool _stop;
        private long _processed;

        public ConstRun()
        {
            object tuple = new object?[] { PipelineShape.ConstValue };
            _threads =
            [
                Run("channels-spout", () =>
                {
                    while (!_stop && Write(_channel.Writer, tuple))
                    {
                    }
                }),
                Run("channels-sink", () =>
                {
                    var reader = _channel.Reader;
                    long n = 0;
                    do
                    {
                        while (reader.TryRead(out _))
                        {
                            Volatile.Write(ref _processed, ++n);
                        }
                    }
                    while (WaitToRead(reader));
                }),
            ];
        }

        public long Processed => Volatile.Read(ref _processed);

        public LatencyHistogram? Latency => null;

        public void Dispose()
        {
            _stop = true;
            _channel.Writer.TryComplete();
            foreach (var t in _threads)
            {
                t.Join();
            }
        }
    }

    private sealed class WordCountRun : IPipelineRun
    {
        private readonly Channel<Envelope>[] _split = new Channel<Envelope>[PipelineShape.SplitParallelism];
        private readonly Channel<WordItem>[] _count = new Channel<WordItem>[PipelineShape.CountParallelism];
        private readonly List<Thread> _threads = [];
        private volatile bool _stop;
        private long _completed;

        public WordCountRun(double rate)
        {
            for (var i = 0; i < _split.Length; i++)
            {
                _split[i] = Bounded<Envelope>(singleWriter: true);
            }

            for (var i = 0; i < _count.Length; i++)
            {
                _count[i] = Bounded<WordItem>(singleWriter: false);
            }

            _threads.Add(Run("channels-wc-spout", () => Spout(new Pacer(rate))));
            foreach (var ch in _split)
            {
                _threads.Add(Run("channels-wc-split", () => Split(ch.Reader)));
            }

            foreach (var ch in _count)
            {
                _threads.Add(Run("channels-wc-count", () => Count(ch.Reader)));
            }
        }

        public long Processed => Volatile.Read(ref _completed);

        public LatencyHistogram Latency { get; } = new();

        public void Dispose()
        {
            _stop = true;
            foreach (var ch in _split)
            {
                ch.Writer.TryComplete();
            }

            _threads[0].Join();
            for (var i = 1; i <= _split.Length; i++)
            {
                _threads[i].Join();
            }

            foreach (var ch in _count)
            {
                ch.Writer.TryComplete();
            }

            foreach (var t in _threads)
            {
                t.Join();
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
                    if (!Write(_split[next].Writer, envelope))
                    {
                        return;
                    }

                    next = (next + 1) % _split.Length;
                    emitted++;
                }
            }
        }

        private void Split(ChannelReader<Envelope> reader)
        {
            do
            {
                while (reader.TryRead(out var envelope))
                {
                    var words = envelope.Sentence.Split(' ');
                    envelope.Remaining = words.Length;
                    foreach (var word in words)
                    {
                        if (!Write(_count[PipelineShape.Partition(word, _count.Length)].Writer, new WordItem(word, envelope)))
                        {
                            return;
                        }
                    }
                }
            }
            while (WaitToRead(reader));
        }

        private void Count(ChannelReader<WordItem> reader)
        {
            var counter = new WordCounter(Latency, () => Interlocked.Increment(ref _completed));
            do
            {
                while (reader.TryRead(out var item))
                {
                    counter.Count(item);
                }
            }
            while (WaitToRead(reader));
        }
    }
}
