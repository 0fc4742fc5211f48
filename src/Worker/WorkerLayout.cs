using System.Globalization;

namespace StormSharp.Worker;

/// <summary>
/// Where a supervisor and its workers meet on disk, under <c>storm.local.dir</c> and <c>storm.log.dir</c>:
/// <list type="bullet">
/// <item><c>supervisor/stormdist/&lt;topology-id&gt;/</c>: the unpacked package, plus <see cref="DocumentFileName"/> (the topology
/// document) and <see cref="DistInfoFileName"/> (entry assembly and checksum), written last, so its presence means complete;</item>
/// <item><c>workers/&lt;worker-id&gt;/</c>: one folder per launched worker: <see cref="LaunchFileName"/> and
/// <see cref="PidFileName"/> (by the supervisor), <see cref="ConfFileName"/> (the supervisor's effective config, read by
/// the worker with <c>--config</c>), <see cref="HeartbeatFileName"/> (by the worker);</item>
/// <item><c>storm.log.dir/workers-artifacts/&lt;topology-id&gt;/&lt;port&gt;/worker.log</c>: the worker's stdout and stderr.</item>
/// </list>
/// </summary>
internal static class WorkerLayout
{
    public const string DocumentFileName = "stormsharp-topology.json";
    public const string DistInfoFileName = "stormsharp-dist.json";
    public const string LaunchFileName = "launch.json";
    public const string PidFileName = "pid";
    public const string ConfFileName = "storm-conf.json";
    public const string HeartbeatFileName = "heartbeat";

    /// <summary>The worker assembly's file name; the supervisor also finds its workers' processes by it.</summary>
    public const string WorkerAssemblyFileName = "StormSharp.Worker.dll";

    public static string StormDistDirectory(string localDir) => Path.Combine(localDir, "supervisor", "stormdist");

    public static string TopologyDirectory(string localDir, string topologyId) => Path.Combine(StormDistDirectory(localDir), topologyId);

    public static string WorkersDirectory(string localDir) => Path.Combine(localDir, "workers");

    public static string WorkerDirectory(string localDir, string workerId) => Path.Combine(WorkersDirectory(localDir), workerId);

    public static string LogFile(string logDir, string topologyId, int port) =>
        Path.Combine(logDir, "workers-artifacts", topologyId, port.ToString(CultureInfo.InvariantCulture), "worker.log");

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> so that a reader sees the old file or the new one, never half of one.</summary>
    /// <param name="path">The file.</param>
    /// <param name="content">Its bytes.</param>
    /// <param name="ownerOnly">Whether only the owner may read and write it (mode 0600 from its creation on): it holds a credential.</param>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> content, bool ownerOnly = false)
    {
        var temp = path + ".tmp-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (ownerOnly && !OperatingSystem.IsWindows())
        {
            // Created with the mode, so there is no moment at which another user could open it.
            File.Delete(temp);
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var file = new FileStream(temp, options))
        {
            file.Write(content);
        }

        File.Move(temp, path, overwrite: true);
    }
}
