namespace StormSharp.Cli;

/// <summary>
/// The verbs of the <c>storm</c> command and their usage, for <c>storm help</c>, <c>storm help VERB</c> and
/// <c>storm VERB --help</c>; and Apache Storm's verbs StormSharp does not have, so that they are named as such rather
/// than unknown.
/// </summary>
internal static class VerbHelp
{
    /// <summary>Each verb with its usage: the first line is the synopsis, the rest what it does.</summary>
    internal static readonly (string Verb, string Usage)[] Verbs =
    [
        ("local", """
            local <project dir | .csproj | .dll> [Type] [args...] [--local-ttl SECONDS] [--ui [PORT]] [--flux FILE]
                     build the project if one is given, run Type's static Main (or the assembly's single Main)
                     with args against an in-process cluster, show progress, and kill the topologies after
                     SECONDS (default 20). Ctrl-C stops early. A first argument that looks like a type name
                     (Name or Namespace.Name) must name one; arguments after "--" all go to Main unexamined.
                     --ui serves the web UI for them on 127.0.0.1:PORT (default ui.port).
                     --flux FILE runs the topology the Flux YAML FILE defines from the project's types
                     instead of a Main; --filter PROPERTIES fills its ${name} placeholders, --env-filter its
                     ${ENV-NAME} ones. A mistake in the file stops here, naming its line.
            """),
        ("jar", """
            jar <project dir | .csproj | .dll> [Type] [args...] [--flux FILE]
                     build the project if one is given and run Type's static Main (or the assembly's single Main);
                     each topology it submits is packed with the assembly's folder and sent to Nimbus, and its id
                     printed. -c/--config also override the submitted topology's config. Arguments after "--"
                     all go to Main unexamined.
                     --flux FILE [--filter PROPERTIES] [--env-filter]: submit the topology the Flux YAML FILE
                     defines instead of running a Main, as storm local does.
            """),
        ("kill", """
            kill NAME [-w SECS]
                     deactivate the topology, wait SECS (default: its topology.message.timeout.secs), remove it
            """),
        ("activate", """
            activate NAME        resume the topology's spouts
            """),
        ("deactivate", """
            deactivate NAME      pause the topology's spouts
            """),
        ("rebalance", """
            rebalance NAME [-w SECS] [-n WORKERS] [-e COMPONENT=PARALLELISM]...
                     deactivate, wait SECS, then spread the topology over WORKERS workers and/or give components
                     new executor counts (at most their task count)
            """),
        ("list", """
            list     the running topologies
            """),
        ("get-errors", """
            get-errors NAME      the topology's recent errors, newest first
            """),
        ("nimbus", """
            nimbus   run Nimbus in the foreground: the gRPC API on nimbus.thrift.port, the scheduler, leader
                     election among the nimbus.seeds; SIGTERM or Ctrl-C stops it
            """),
        ("supervisor", """
            supervisor
                     run a supervisor in the foreground: registers this host's slots (supervisor.slots.ports),
                     launches and watches the worker processes Nimbus assigns to them; SIGTERM stops it and them
            """),
        ("ui", """
            ui       run the web UI in the foreground on ui.host:ui.port (8080): Storm's REST API (/api/v1/...),
                     the cluster, topology, component and supervisor pages with live charts, /metrics
            """),
        ("logviewer", """
            logviewer
                     serve this host's worker logs on logviewer.port (8000), as the UI's log links expect
            """),
        ("dev-zookeeper", """
            dev-zookeeper
                     run the installed Apache ZooKeeper in the foreground on storm.zookeeper.port, its data under
                     dev.zookeeper.path, for a development cluster
            """),
        ("dev-kafka", """
            dev-kafka [--brokers N] [--address-file FILE]
                     host an embedded Kafka-protocol broker (librdkafka's mock cluster) in the foreground and print
                     its bootstrap.servers (and write it to FILE); topics auto-create with 4 partitions and keep
                     about the last 5 MB per partition
            """),
        ("auth-token", """
            auth-token USER [--expire-secs N]
                     print a bearer token for USER signed with storm.auth.secret (valid 7 days unless N says
                     otherwise); clients present it through STORM_AUTH_TOKEN or storm.auth.token
            """),
        ("version", """
            version  print the StormSharp version
            """),
        ("help", """
            help [VERB]          print this help, or VERB's (as does storm VERB --help)
            """),
    ];

    /// <summary>Verbs that take the configuration options.</summary>
    private static readonly string[] ConfigVerbs = ["jar", "auth-token", "kill", "activate", "deactivate", "rebalance", "list", "get-errors", "nimbus", "supervisor", "ui", "logviewer", "dev-zookeeper"];

    private const string ConfigOptions =
        """
        options of the daemons and of the verbs that talk to Nimbus (found through nimbus.seeds and nimbus.thrift.port):
          -c key=value         override a storm.yaml setting (YAML value), e.g. -c nimbus.seeds='["host1"]'
          --config FILE        read FILE instead of conf/storm.yaml
        """;

    /// <summary>Apache Storm's verbs that StormSharp does not have yet.</summary>
    internal static readonly string[] NotAvailable =
    [
        "drpc", "drpc-client", "pacemaker", "sql", "shell", "repl", "blobstore", "upload-credentials",
        "heartbeats", "kill_workers", "set_log_level", "admin", "monitor", "node-health-check", "classpath",
        "server_classpath", "localconfvalue", "remoteconfvalue",
    ];

    /// <summary>Whether <paramref name="arg"/> asks for help: <c>--help</c> or <c>-h</c>.</summary>
    public static bool IsHelpFlag(string arg) => arg is "--help" or "-h";

    /// <summary>What <c>storm help</c> prints.</summary>
    public static string Usage()
    {
        var text = new System.Text.StringBuilder("usage: storm <command> [arguments]   (storm help VERB for one command)\n\ncommands:\n");
        foreach (var (_, usage) in Verbs)
        {
            text.Append(Indent(usage));
        }

        text.Append('\n').Append(ConfigOptions).Append("\n\n");
        text.Append("Apache Storm commands not available in StormSharp yet:\n");
        text.Append(Wrap(NotAvailable, "  "));
        return text.ToString();
    }

    /// <summary>What <c>storm help VERB</c> prints; throws a usage error for a verb we do not know or do not have.</summary>
    public static string For(string verb)
    {
        foreach (var (name, usage) in Verbs)
        {
            if (name == verb)
            {
                var text = "usage: storm " + usage.TrimEnd() + "\n";
                return Array.IndexOf(ConfigVerbs, verb) >= 0 ? text + "\n" + ConfigOptions + "\n" : text;
            }
        }

        throw Unknown(verb);
    }

    /// <summary>The error for a verb that is not ours: Storm's but not built yet, or unknown.</summary>
    public static CliException Unknown(string verb)
    {
        return Array.IndexOf(NotAvailable, verb) >= 0
            ? CliException.BadInput($"'{verb}' is an Apache Storm command that is not available in StormSharp yet (storm help lists what is)")
            : CliException.Usage($"unknown command '{verb}'");
    }

    private static string Indent(string block)
    {
        var text = new System.Text.StringBuilder();
        foreach (var line in block.TrimEnd().Split('\n'))
        {
            text.Append("  ").Append(line).Append('\n');
        }

        return text.ToString();
    }

    private static string Wrap(IEnumerable<string> words, string indent)
    {
        var text = new System.Text.StringBuilder(indent);
        var column = indent.Length;
        var first = true;
        foreach (var word in words)
        {
            if (!first && column + word.Length + 2 > 110)
            {
                text.Append(",\n").Append(indent);
                column = indent.Length;
                first = true;
            }

            if (!first)
            {
                text.Append(", ");
                column += 2;
            }

            text.Append(word);
            column += word.Length;
            first = false;
        }

        return text.Append('\n').ToString();
    }
}
