namespace StormSharp.Connectors.Kafka;

/// <summary>What the spout promises about each record (storm-kafka-client's ProcessingGuarantee).</summary>
public enum ProcessingGuarantee
{
    /// <summary>
    /// Every record is emitted with a message id and its offset is committed only once it and every earlier record
    /// of its partition are acked; failed records are retried. A record may be processed more than once. The default.
    /// </summary>
    AtLeastOnce,

    /// <summary>
    /// Offsets are committed as soon as records are polled, before they are emitted, and tuples are not tracked: a
    /// record is processed at most once and may be lost on a failure.
    /// </summary>
    AtMostOnce,

    /// <summary>
    /// Tuples are not tracked; the polled position is committed every commit period whatever became of the tuples.
    /// A record may be lost or processed more than once.
    /// </summary>
    NoGuarantee,
}
