namespace StormSharp.Runtime.Configuration;

/// <summary>The schedulers <c>storm.scheduler</c> can name.</summary>
internal enum SchedulerKind
{
    /// <summary>Spreads each topology's executors evenly over its workers and the workers over the free slots (Storm's default).</summary>
    Even,
}
