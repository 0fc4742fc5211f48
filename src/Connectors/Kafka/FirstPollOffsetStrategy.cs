namespace StormSharp.Connectors.Kafka;

/// <summary>Where a spout task starts reading a partition it is given (storm-kafka-client's FirstPollOffsetStrategy).</summary>
public enum FirstPollOffsetStrategy
{
    /// <summary>
    /// The partition's first offset, ignoring the group's commits made before this task opened; commits the task
    /// makes itself are resumed from when the partition comes back to it.
    /// </summary>
    Earliest,

    /// <summary>The partition's end, ignoring the group's commits made before this task opened (only new records).</summary>
    Latest,

    /// <summary>The group's committed offset, or the partition's first offset when nothing is committed. The default.</summary>
    UncommittedEarliest,

    /// <summary>The group's committed offset, or the partition's end when nothing is committed.</summary>
    UncommittedLatest,
}
