using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using StormSharp.Runtime.Configuration;

namespace StormSharp.Cli.Daemons;

/// <summary>
/// <c>storm dev-zookeeper</c>: runs the installed Apache ZooKeeper (Debian's <c>zookeeper</c> package) in the
/// foreground as a single development server on <c>storm.zookeeper.port</c>, its data under
/// <c>dev.zookeeper.path</c>, as Storm's command of that name does. Ctrl-C or SIGTERM stops it. The four-letter
/// commands <c>srvr</c>, <c>ruok</c>, <c>stat</c> and <c>mntr</c> are on, so its counters can be read.
/// </summary>
internal static class DevZooKeeperCommand
{
    public const string ZooKeeperJar = "/usr/share/java/zookeeper.jar";
    public const string InstallHint = "Apache ZooKeeper is not installed; run deploy/install-deps zookeeper (or: apt-get install zookeeper)";

    public static async Task<int> RunAsync(IReadOnlyDictionary<string, object?> conf, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var options = ClusterOptions.From(conf, DaemonCommands.BaseDirectory);
        if (!File.Exists(ZooKeeperJar))
        {
            throw CliException.Failed(InstallHint);
        }

        var dir = options.DevZooKeeperPath;
        var data = Path.Combine(dir, "data");
        Directory.CreateDirectory(data);
        var config = Path.Combine(dir, "zoo.cfg");
        File.WriteAllText(config, string.Create(CultureInfo.InvariantCulture, $"""
            tickTime=2000
            dataDir={data}
            clientPort={options.ZooKeeper.Port}
            maxClientCnxns=0
            admin.enableServer=false
            4lw.commands.whitelist=srvr,ruok,stat,mntr
            """));

        var psi = new ProcessStartInfo("java") { UseShellExecute = false };
        foreach (var arg in new[]
        {
            "-Xmx512m", "-Dzookeeper.admin.enableServer=false",
            "-cp", $"{ZooKeeperJar}:/usr/share/java/slf4j-simple.jar",
            "org.apache.zookeeper.server.quorum.QuorumPeerMain", config,
        })
        {
            psi.ArgumentList.Add(arg);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true; // we stop the server ourselves, then exit
            stop.Cancel();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

        stdout.WriteLine($"storm dev-zookeeper: serving on port {options.ZooKeeper.Port}, data in {data} (Ctrl-C stops it)");
        using var process = Process.Start(psi) ?? throw CliException.Failed("could not start java for ZooKeeper");
        try
        {
            await process.WaitForExitAsync(stop.Token).ConfigureAwait(false);
            return process.ExitCode == 0 ? ExitCodes.Ok : ExitCodes.Failure;
        }
        catch (OperationCanceledException)
        {
            // Stopped by the user: stop the server with us, by its pid.
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            return ExitCodes.Ok;
        }
    }
}
