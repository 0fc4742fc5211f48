using System.Reflection;
using StormSharp.Cli.Daemons;
using StormSharp.Cli.Local;
using StormSharp.Runtime.Configuration;

namespace StormSharp.Cli;

/// <summary>The <c>storm</c> command: one verb per subcommand, as in Apache Storm's launcher.</summary>
internal static class StormCommand
{
    /// <summary>Storm verbs that talk to Nimbus or run a daemon; they arrive with the cluster.</summary>
    internal static readonly string[] ClusterVerbs =
        ["jar", "kill", "activate", "deactivate", "rebalance", "list", "nimbus", "supervisor", "ui"];

    internal const string UsageLine = "usage: storm <command> [arguments]   (storm help lists the commands)";

    internal const string Usage =
        """
        usage: storm <command> [arguments]

        commands:
          local <project dir | .csproj | .dll> [Type] [args...] [--local-ttl SECONDS]
                   build the project if one is given, run Type's static Main (or the assembly's single Main)
                   with args against an in-process cluster, show progress, and kill the topologies after
                   SECONDS (default 20). Ctrl-C stops early. Arguments after "--" all go to Main.
          dev-zookeeper [-c key=value]... [--config FILE]
                   run the installed Apache ZooKeeper in the foreground on storm.zookeeper.port,
                   its data under dev.zookeeper.path, for a development cluster
          version  print the StormSharp version
          help     print this help

        not available yet (they need the cluster daemons, which are not built):
          jar kill activate deactivate rebalance list nimbus supervisor ui
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        try
        {
            if (args.Length == 0)
            {
                throw CliException.Usage("missing command");
            }

            var verb = args[0];
            var rest = args[1..];
            switch (verb)
            {
                case "local":
                    return await LocalCommand.RunAsync(LocalOptions.Parse(rest), stdout, stderr, cancellationToken).ConfigureAwait(false);
                case "dev-zookeeper":
                    return await DevZooKeeperCommand.RunAsync(Conf(rest), stdout, stderr, cancellationToken).ConfigureAwait(false);
                case "version" or "--version":
                    stdout.WriteLine("StormSharp " + Version);
                    return ExitCodes.Ok;
                case "help" or "--help" or "-h":
                    stdout.WriteLine(Usage);
                    return ExitCodes.Ok;
            }

            if (Array.IndexOf(ClusterVerbs, verb) >= 0)
            {
                throw CliException.BadInput(
                    $"'{verb}' needs the StormSharp cluster (Nimbus, Supervisors, UI), which is not available yet; use 'storm local' to run a topology in-process");
            }

            throw CliException.Usage($"unknown command '{verb}'");
        }
        catch (CliException e)
        {
            stderr.WriteLine("storm: " + e.Message);
            if (e.UsageLine is not null)
            {
                stderr.WriteLine(e.UsageLine);
            }

            return e.ExitCode;
        }
    }

    /// <summary>The verb's configuration: defaults, storm.yaml or <c>--config FILE</c>, then <c>-c key=value</c> overrides.</summary>
    private static Dictionary<string, object?> Conf(IReadOnlyList<string> args)
    {
        CommandLineConfig parsed;
        try
        {
            parsed = CommandLineConfig.Parse(args);
        }
        catch (FormatException e)
        {
            throw CliException.Usage(e.Message);
        }

        if (parsed.Arguments.Count > 0)
        {
            throw CliException.Usage($"unexpected argument '{parsed.Arguments[0]}'");
        }

        try
        {
            return parsed.Load();
        }
        catch (Exception e) when (e is FileNotFoundException or FormatException or InvalidDataException)
        {
            throw CliException.BadInput(e.Message);
        }
    }

    /// <summary>The product version: the informational version without build metadata.</summary>
    internal static string Version
    {
        get
        {
            var informational = typeof(StormCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
            var version = informational ?? typeof(StormCommand).Assembly.GetName().Version?.ToString() ?? "0.0.0";
            var plus = version.IndexOf('+', StringComparison.Ordinal);
            return plus < 0 ? version : version[..plus];
        }
    }
}
