namespace StormSharp.Benchmarks.Cluster.Report;

/// <summary>Traffic between the workers over one word count window.</summary>
/// <param name="Bytes">Bytes sent on the sockets between the workers, both directions (<see cref="Measurement.SocketBytes"/>).</param>
/// <param name="Words">Word tuples the count bolts executed.</param>
/// <param name="Sentences">Sentence tuples the split bolts executed.</param>
internal sealed record WireBytes(long Bytes, long Words, long Sentences)
{
    /// <summary>Bytes per word tuple, sentences, acks and framing included.</summary>
    public double PerWord => Bytes / (double)Words;

    /// <summary>Bytes per sentence (its words and every ack of its tree included).</summary>
    public double PerSentence => Bytes / (double)Sentences;
}
