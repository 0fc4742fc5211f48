using StormSharp.Nimbus;
using StormSharp.Supervisor;
using StormSharp.Ui;

namespace StormSharp.Cli.Daemons;

/// <summary><c>storm supervisor</c>, <c>storm nimbus</c>, <c>storm ui</c> and <c>storm logviewer</c>: the daemons in the foreground, under <see cref="DaemonHost"/>.</summary>
internal static class DaemonCommands
{
    /// <summary>
    /// Where relative <c>storm.local.dir</c> and <c>storm.log.dir</c> resolve: the installation folder that
    /// <c>bin/storm</c> exports as <c>STORM_HOME</c>, as Storm resolves them against its home, else the current folder.
    /// </summary>
    public static string BaseDirectory =>
        Environment.GetEnvironmentVariable("STORM_HOME") is { Length: > 0 } home ? home : Directory.GetCurrentDirectory();

    public static Task<int> SupervisorAsync(IReadOnlyDictionary<string, object?> conf, TextWriter stderr, CancellationToken cancellationToken) =>
        DaemonHost.RunAsync(
            "supervisor",
            conf,
            async (c, loggers, ct) =>
            {
                var daemon = await SupervisorDaemon.StartAsync(c, loggers, new SupervisorHostOptions { BaseDirectory = BaseDirectory }, ct).ConfigureAwait(false);
                return daemon.StopAsync;
            },
            stderr,
            cancellationToken);

    public static Task<int> NimbusAsync(IReadOnlyDictionary<string, object?> conf, TextWriter stderr, CancellationToken cancellationToken) =>
        DaemonHost.RunAsync(
            "nimbus",
            conf,
            async (c, loggers, ct) =>
            {
                var daemon = await NimbusDaemon.StartAsync(WithAbsoluteDirs(c), loggers, ct).ConfigureAwait(false);
                return daemon.StopAsync;
            },
            stderr,
            cancellationToken);

    public static Task<int> UiAsync(IReadOnlyDictionary<string, object?> conf, TextWriter stderr, CancellationToken cancellationToken) =>
        DaemonHost.RunAsync(
            "ui",
            conf,
            async (c, loggers, ct) =>
            {
                var ui = await UiServer.StartAsync(WithAbsoluteDirs(c), loggers, ct).ConfigureAwait(false);
                return ui.StopAsync;
            },
            stderr,
            cancellationToken);

    public static Task<int> LogviewerAsync(IReadOnlyDictionary<string, object?> conf, TextWriter stderr, CancellationToken cancellationToken) =>
        DaemonHost.RunAsync(
            "logviewer",
            conf,
            async (c, loggers, ct) =>
            {
                var logviewer = await LogviewerServer.StartAsync(WithAbsoluteDirs(c), loggers, ct).ConfigureAwait(false);
                return logviewer.StopAsync;
            },
            stderr,
            cancellationToken);

    // Nimbus resolves relative directories against the current folder: hand it absolute ones, resolved as Storm does.
    private static Dictionary<string, object?> WithAbsoluteDirs(IReadOnlyDictionary<string, object?> conf)
    {
        var result = new Dictionary<string, object?>(conf, StringComparer.Ordinal);
        foreach (var key in new[] { "storm.local.dir", "storm.log.dir" })
        {
            if (result.TryGetValue(key, out var v) && v is string dir && !Path.IsPathRooted(dir))
            {
                result[key] = Path.GetFullPath(Path.Combine(BaseDirectory, dir));
            }
        }

        return result;
    }
}
