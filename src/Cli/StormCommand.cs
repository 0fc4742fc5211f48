using System.Reflection;
using StormSharp.Cli.Cluster;
using StormSharp.Cli.Daemons;
using StormSharp.Cli.Local;
using StormSharp.Runtime.Configuration;

namespace StormSharp.Cli;

/// <summary>The <c>storm</c> command: one verb per subcommand, as in Apache Storm's launcher.</summary>
internal static class StormCommand
{
    internal const string UsageLine = "usage: storm <command> [arguments]   (storm help lists the commands)";

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

            // storm VERB --help: before the verb's own parsing, which would take --help for an argument. After "--"
            // it belongs to the program.
            var dashDash = Array.IndexOf(rest, "--");
            if (verb is not ("help" or "--help" or "-h") && Array.FindIndex(rest, VerbHelp.IsHelpFlag) is var help && help >= 0 && (dashDash < 0 || help < dashDash))
            {
                stdout.Write(VerbHelp.For(verb));
                return ExitCodes.Ok;
            }

            switch (verb)
            {
                case "local":
                    return await LocalCommand.RunAsync(LocalOptions.Parse(rest), stdout, stderr, cancellationToken).ConfigureAwait(false);
                case "nimbus":
                    return await DaemonCommands.NimbusAsync(Conf(rest), stderr, cancellationToken).ConfigureAwait(false);
                case "supervisor":
                    return await DaemonCommands.SupervisorAsync(Conf(rest), stderr, cancellationToken).ConfigureAwait(false);
                case "ui":
                    return await DaemonCommands.UiAsync(Conf(rest), stderr, cancellationToken).ConfigureAwait(false);
                case "logviewer":
                    return await DaemonCommands.LogviewerAsync(Conf(rest), stderr, cancellationToken).ConfigureAwait(false);
                case "dev-zookeeper":
                    return await DevZooKeeperCommand.RunAsync(Conf(rest), stdout, stderr, cancellationToken).ConfigureAwait(false);
                case "dev-kafka":
                    return await DevKafkaCommand.RunAsync(rest, stdout, cancellationToken).ConfigureAwait(false);
                case "auth-token":
                    return AuthTokenCommand.Run(rest, stdout, stderr);
                case "version" or "--version":
                    stdout.WriteLine("StormSharp " + Version);
                    return ExitCodes.Ok;
                case "help" or "--help" or "-h":
                    if (rest.Length > 1)
                    {
                        throw CliException.Usage($"help: unexpected argument '{rest[1]}'", "usage: storm help [VERB]");
                    }

                    stdout.Write(rest.Length == 0 ? VerbHelp.Usage() : VerbHelp.For(rest[0]));
                    return ExitCodes.Ok;
            }

            if (Array.IndexOf(ClusterCommands.Verbs, verb) >= 0)
            {
                return await ClusterCommands.RunAsync(verb, rest, stdout, stderr, cancellationToken).ConfigureAwait(false);
            }

            throw VerbHelp.Unknown(verb);
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

    /// <summary>A daemon's configuration: defaults, storm.yaml or <c>--config FILE</c>, then <c>-c key=value</c> overrides.</summary>
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
