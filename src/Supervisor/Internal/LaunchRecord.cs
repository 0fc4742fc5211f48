namespace StormSharp.Supervisor.Internal;

/// <summary>What a supervisor launched a worker for, kept in the worker's folder as <c>launch.json</c>.</summary>
/// <param name="WorkerId">The worker's id and folder name.</param>
/// <param name="TopologyId">Its topology.</param>
/// <param name="Port">Its slot port.</param>
/// <param name="Executors">The slot's executors at launch (<c>SlotExecutors.Fingerprint</c>); a different set means a relaunch.</param>
/// <param name="LaunchTimeMs">When it was launched, milliseconds since the Unix epoch.</param>
internal sealed record LaunchRecord(string WorkerId, string TopologyId, int Port, string Executors, long LaunchTimeMs);
