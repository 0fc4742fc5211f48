using System.Diagnostics;
using System.Globalization;

namespace StormSharp.Topology.Internal.Multilang;

/// <summary>What ShellBolt and ShellSpout share: where subprocesses run, their timeout, restarts.</summary>
internal static class ShellSupport
{
    /// <summary>Storm's key for the heartbeat timeout; falls back to <c>supervisor.worker.timeout.secs</c>, then 30.</summary>
    public const string SubprocessTimeoutKey = Config.TopologySubprocessTimeoutSecs;

    private static string? _packageDirectory;

    /// <summary>
    /// The folder of the topology package the host loaded (set by the loader in <c>storm local</c>, <c>storm jar</c>
    /// and workers); its <c>resources/</c> folder is where subprocesses run.
    /// </summary>
    public static string? PackageDirectory
    {
        get => Volatile.Read(ref _packageDirectory);
        set => Volatile.Write(ref _packageDirectory, value);
    }

    /// <summary>
    /// The working directory of a component's subprocess: the package's <c>resources/</c> folder, else the one beside
    /// the component's assembly, else the one beside the program.
    /// </summary>
    public static string ResourcesDirectory(Type component)
    {
        foreach (var root in new[] { PackageDirectory, Path.GetDirectoryName(component.Assembly.Location), AppContext.BaseDirectory })
        {
            if (!string.IsNullOrEmpty(root) && Directory.Exists(Path.Combine(root, "resources")))
            {
                return Path.Combine(root, "resources");
            }
        }

        return PackageDirectory ?? AppContext.BaseDirectory;
    }

    public static TimeSpan Timeout(IReadOnlyDictionary<string, object?> conf)
    {
        var secs = Seconds(conf, SubprocessTimeoutKey) ?? Seconds(conf, "supervisor.worker.timeout.secs") ?? 30;
        return TimeSpan.FromSeconds(Math.Max(1, secs));
    }

    private static double? Seconds(IReadOnlyDictionary<string, object?> conf, string key)
    {
        if (!conf.TryGetValue(key, out var v) || v is null)
        {
            return null;
        }

        try
        {
            return Convert.ToDouble(v, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is FormatException or InvalidCastException)
        {
            throw new ArgumentException($"{key} must be a number of seconds, not '{v}'", e);
        }
    }

    public static string PidDirectory(TopologyContext context) =>
        Path.Combine(Path.GetTempPath(), "stormsharp-multilang", $"{Environment.ProcessId}-{context.ThisTaskId}");

    public static void RemovePidDirectory(string? dir)
    {
        try
        {
            if (dir is not null && Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    public static long Ticks(TimeSpan t) => (long)(t.TotalSeconds * Stopwatch.Frequency);

    public static void DefaultLog(int level, string message) => Console.Error.WriteLine($"multilang [{level}] {message}");
}
