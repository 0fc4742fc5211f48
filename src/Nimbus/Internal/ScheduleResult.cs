using StormSharp.Cluster;

namespace StormSharp.Nimbus.Internal;

/// <summary>What <see cref="EvenScheduler.Schedule"/> decided.</summary>
/// <param name="Assignment">The new assignment.</param>
/// <param name="Message">Empty when fully scheduled; otherwise what could not be, for <c>TopologySummary.scheduler_message</c>.</param>
/// <param name="Incomplete">Whether some executors have no slot.</param>
internal sealed record ScheduleResult(Assignment Assignment, string Message, bool Incomplete);
