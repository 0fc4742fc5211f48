using System.Reflection;
using StormSharp.Cli.Cluster;
using StormSharp.Cli.Daemons;
using StormSharp.Cli.Local;
using StormSharp.Runtime.Configuration;

namespace StormSharp.Cli;

/// <summary>The <c>storm</c> command: one verb per subcommand, as in Apache Storm's launcher.</summary>
internal static class StormCommand
{
    /// <summary>Storm verbs not built yet.</summary>
    internal static readonly string[] ClusterVerbs = ["ui"];

    internal const string UsageLine = "usage: storm <command> [arguments]   (storm help lists the commands)";

    internal const string Usage =
        """
        usage: storm <command> [arguments]

        commands:
          local <project dir | .csproj | .dll> [Type] [args...] [--local-ttl SECONDS]
                   build the project if one is given, run Type's static Main (or the assembly's single Main)
                   with args against an in-process cluster, show progress, and kill the topologies after
                   SECONDS (default 20). Ctrl-C stops early. Arguments after "--" all go to Main.
          jar <project dir | .csproj | .dll> [Type] [args...]
                   build the project if one is given and run Type's static Main (or the assembly's single Main);
                   each topology it submits is packed with the assembly's folder and sent to Nimbus, and its id
                   printed. -c/--config also override the submitted topology's config.
          kill NAME [-w SECS]
                   deactivate the topology, wait SECS (default: its topology.message.timeout.secs), remove it
          activate NAME        resume the topology's spouts
          deactivate NAME      pause the topology's spouts
          rebalance NAME [-w SECS] [-n WORKERS] [-e COMPONENT=PARALLELISM]...
                   deactivate, wait SECS, then spread the topology over WORKERS workers and/or give components
                   new executor counts (at most their task count)
          list     the running topologies
          get-errors NAME      the topology's recent errors, newest first
          nimbus   run Nimbus in the foreground: the gRPC API on nimbus.thrift.port, the scheduler, leader
                   election among the nimbus.seeds; SIGTERM or Ctrl-C stops it
          supervisor
                   run a supervisor in the foreground: registers this host's slots (supervisor.slots.ports),
                   launches and watches the worker processes Nimbus assigns to them; SIGTERM stops it and them
          dev-zookeeper
                   run the installed Apache ZooKeeper in the foreground on storm.zookeeper.port, its data under
                   dev.zookeeper.path, for a development cluster
          dev-kafka [--brokers N] [--address-file FILE]
                   host an embedded Kafka-protocol broker (librdkafka's mock cluster) in the foreground and print
                   its bootstrap.servers (and write it to FILE); topics auto-create with 4 partitions and keep
                   about the last 5 MB per partition
          version  print the StormSharp version
          help     print this help

        options of the daemons and of the verbs that talk to Nimbus (found through nimbus.seeds and nimbus.thrift.port):
          -c key=value         override a storm.yaml setting (YAML value), e.g. -c nimbus.seeds='["host1"]'
          --config FILE        read FILE instead of conf/storm.yaml

        not available yet:
          ui
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
                case "nimbus":
                    return await DaemonCommands.NimbusAsync(Conf(rest), stderr, cancellationToken).ConfigureAwait(false);
                case "supervisor":
                    return await DaemonCommands.SupervisorAsync(Conf(rest), stderr, cancellationToken).ConfigureAwait(false);
                case "dev-zookeeper":
                    return await DevZooKeeperCommand.RunAsync(Conf(rest), stdout, stderr, cancellationToken).ConfigureAwait(false);
                case "dev-kafka":
                    return await DevKafkaCommand.RunAsync(rest, stdout, cancellationToken).ConfigureAwait(false);
                case "version" or "--version":
                    stdout.WriteLine("StormSharp " + Version);
                    return ExitCodes.Ok;
                case "help" or "--help" or "-h":
                    stdout.WriteLine(Usage);
                    return ExitCodes.Ok;
            }

            if (Array.IndexOf(ClusterCommands.Verbs, verb) >= 0)
            {
                return await ClusterCommands.RunAsync(verb, rest, stdout, stderr, cancellationToken).ConfigureAwait(false);
            }

            if (Array.IndexOf(ClusterVerbs, verb) >= 0)
            {
                throw CliException.BadInput(
                    $"'{verb}' is not available yet: the web UI is not built; 'storm list' and 'storm get-errors' show the cluster");
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
