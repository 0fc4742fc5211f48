using System.Text.Json;

namespace StormSharp.Worker;

/// <summary>
/// The heartbeat a worker writes into its folder every <c>worker.heartbeat.frequency.secs</c> for its supervisor
/// (<see cref="WorkerLayout.HeartbeatFileName"/>, JSON). Written whole by rename, so a reader never sees half of one.
/// </summary>
/// <param name="TimeMs">When it was written, milliseconds since the Unix epoch.</param>
/// <param name="Pid">The worker's process id.</param>
/// <param name="TopologyId">The topology the worker runs.</param>
/// <param name="Port">The worker's slot port.</param>
/// <param name="WorkerId">The worker's id, its folder's name.</param>
internal sealed record HeartbeatFile(long TimeMs, int Pid, string TopologyId, int Port, string WorkerId)
{
    public void Write(string workerDirectory) =>
        WorkerLayout.WriteAtomically(Path.Combine(workerDirectory, WorkerLayout.HeartbeatFileName), JsonSerializer.SerializeToUtf8Bytes(this));

    /// <summary>The last heartbeat, or null when there is none yet (or it cannot be read).</summary>
    public static HeartbeatFile? TryRead(string workerDirectory)
    {
        try
        {
            return JsonSerializer.Deserialize<HeartbeatFile>(File.ReadAllBytes(Path.Combine(workerDirectory, WorkerLayout.HeartbeatFileName)));
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
