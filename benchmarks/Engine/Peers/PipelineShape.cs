using System.Diagnostics;
using StormSharp.Benchmarks.Engine.Measurement;

namespace StormSharp.Benchmarks.Engine.Peers;

/// <summary>
/// What every implementation of a benchmark topology shares, so the engine and its peers do the same work in the
/// same shape: stage parallelism, queue capacity, the bound on sentences in flight, and the sentences themselves.
/// </summary>
public static class PipelineShape
{
    /// <summary>Capacity of every queue between stages (the engine's receive buffer is set to the same); <c>--queue</c> changes it.</summary>
    public static int QueueCapacity { get; set; } = 1024;

    public const int SplitParallelism = 2;

    public const int CountParallelism = 2;

    /// <summary>Sentences in flight at most (the engine's topology.max.spout.pending).</summary>
    public const int MaxPending = 4096;

    /// <summary>The sentences of Storm's ThroughputVsLatency spout.</summary>
    public static readonly string[] Sentences =
    [
        "the cow jumped over the moon",
        "an apple a day keeps the doctor away",
        "four score and seven years ago",
        "snow white and the seven dwarfs",
        "i am at two with nature",
    ];

    /// <summary>The constant tuple of ConstSpoutNullBolt.</summary>
    public const string ConstValue = "some data";

    public static int Partition(string word, int partitions) => (word.GetHashCode() & int.MaxValue) % partitions;
}

/// <summary>A running pipeline: what has reached its end, and the latency of each sentence that completed.</summary>
public interface IPipelineRun : IDisposable
{
    /// <summary>Tuples that reached the sink (const topologies) or sentences fully counted (word count).</summary>
    long Processed { get; }

    LatencyHistogram? Latency { get; }
}

/// <summary>A sentence in flight, tracked until its last word is counted (the peers' analogue of an ack tree).</summary>
public sealed class Envelope(string sentence)
{
    public string Sentence { get; } = sentence;

    public long EmittedAt { get; } = Stopwatch.GetTimestamp();

    public int Remaining;
}

public readonly record struct WordItem(string Word, Envelope Envelope);

/// <summary>The per-word work of a count stage, identical in every peer: count the word, complete the sentence when it was the last.</summary>
public sealed class WordCounter(LatencyHistogram latency, Action completed)
{
    private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);

    public void Count(in WordItem item)
    {
        System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_counts, item.Word, out _)++;
        if (Interlocked.Decrement(ref item.Envelope.Remaining) == 0)
        {
            latency.RecordTicks(Stopwatch.GetTimestamp() - item.Envelope.EmittedAt);
            completed();
        }
    }
}
