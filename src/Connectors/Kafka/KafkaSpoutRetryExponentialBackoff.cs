namespace StormSharp.Connectors.Kafka;

/// <summary>
/// When a failed record is emitted again: the n-th retry waits <see cref="InitialDelay"/> +
/// <see cref="DelayPeriod"/> x 2^(n-1), never more than <see cref="MaxDelay"/>; after <see cref="MaxRetries"/> retries
/// the record is dropped, an error is reported and its offset counts as done so the partition keeps committing
/// (storm-kafka-client's KafkaSpoutRetryExponentialBackoff).
/// </summary>
public sealed class KafkaSpoutRetryExponentialBackoff
{
    /// <summary>Creates the schedule. Defaults are storm-kafka-client's: 0 ms, 2 ms, unlimited retries, 10 s.</summary>
    public KafkaSpoutRetryExponentialBackoff(TimeSpan initialDelay, TimeSpan delayPeriod, int maxRetries, TimeSpan maxDelay)
    {
        if (initialDelay < TimeSpan.Zero || delayPeriod < TimeSpan.Zero || maxDelay < TimeSpan.Zero)
        {
            throw new ArgumentException("retry delays must not be negative");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(maxRetries);
        InitialDelay = initialDelay;
        DelayPeriod = delayPeriod;
        MaxRetries = maxRetries;
        MaxDelay = maxDelay;
    }

    /// <summary>storm-kafka-client's default schedule: 0 ms initial delay, 2 ms period, unlimited retries, at most 10 s.</summary>
    public static KafkaSpoutRetryExponentialBackoff Default =>
        new(TimeSpan.Zero, TimeSpan.FromMilliseconds(2), int.MaxValue, TimeSpan.FromSeconds(10));

    /// <summary>The wait before the first retry.</summary>
    public TimeSpan InitialDelay { get; }

    /// <summary>The base of the exponential part of each wait.</summary>
    public TimeSpan DelayPeriod { get; }

    /// <summary>How many times a record is retried before it is dropped.</summary>
    public int MaxRetries { get; }

    /// <summary>The longest wait between retries.</summary>
    public TimeSpan MaxDelay { get; }

    /// <summary>The wait before retry number <paramref name="retry"/> (from 1).</summary>
    public TimeSpan DelayFor(int retry)
    {
        var exponent = Math.Min(Math.Max(retry - 1, 0), 40);
        var ticks = InitialDelay.Ticks + (DelayPeriod.Ticks * Math.Pow(2, exponent));
        return ticks >= MaxDelay.Ticks ? MaxDelay : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>Whether a record that has failed <paramref name="failures"/> times may be retried again.</summary>
    public bool MayRetry(int failures) => failures <= MaxRetries;
}
