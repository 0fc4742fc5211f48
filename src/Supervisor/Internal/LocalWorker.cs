using System.Text.Json;
using StormSharp.Worker;

namespace StormSharp.Supervisor.Internal;

/// <summary>
/// A worker this supervisor launched or adopted: which slot it holds, with which executors, its process and
/// folder. Its launch record (<see cref="WorkerLayout.LaunchFileName"/>) and pid file let a restarted supervisor
/// find it again.
/// </summary>
internal sealed class LocalWorker
{
    public LocalWorker(LaunchRecord record, int pid, string directory, System.Diagnostics.Process? child)
    {
        Record = record;
        Pid = pid;
        Directory = directory;
        Child = child;
    }

    public LaunchRecord Record { get; }

    public string WorkerId => Record.WorkerId;

    public string TopologyId => Record.TopologyId;

    public int Port => Record.Port;

    public int Pid { get; }

    public string Directory { get; }

    /// <summary>The process object when this supervisor started it (kept so the runtime reaps it when it exits); null when adopted.</summary>
    public System.Diagnostics.Process? Child { get; }

    public bool IsAlive => ProcessControl.IsWorker(Pid, WorkerId);

    /// <summary>Reads what a worker folder says about its worker, or null when the folder holds no complete record.</summary>
    public static (LaunchRecord Record, int Pid)? TryRead(string directory)
    {
        try
        {
            var record = JsonSerializer.Deserialize<LaunchRecord>(File.ReadAllBytes(Path.Combine(directory, WorkerLayout.LaunchFileName)));
            var pidText = File.ReadAllText(Path.Combine(directory, WorkerLayout.PidFileName)).Trim();
            return record is not null && int.TryParse(pidText, System.Globalization.CultureInfo.InvariantCulture, out var pid) ? (record, pid) : null;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
