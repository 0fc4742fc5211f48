using System.Globalization;
using Grpc.Core;
using StormSharp.Cli.Flux;
using StormSharp.Cli.Local;
using StormSharp.Cluster.Rpc;
using StormSharp.Runtime.Configuration;
using StormSharp.Runtime.Loading;
using StormSharp.Topology;

namespace StormSharp.Cli.Cluster;

/// <summary>
/// Storm's client verbs that talk to Nimbus: <c>jar</c>, <c>kill</c>, <c>activate</c>, <c>deactivate</c>,
/// <c>rebalance</c>, <c>list</c>, <c>get-errors</c>. Nimbus is found through <c>nimbus.seeds</c> and
/// <c>nimbus.thrift.port</c> of storm.yaml, <c>--config FILE</c> and <c>-c key=value</c>.
/// </summary>
internal static class ClusterCommands
{
    public static readonly string[] Verbs = ["jar", "kill", "activate", "deactivate", "rebalance", "list", "get-errors"];

    /// <summary>How long a call other than a submit may take once the leader is found: 30 s.</summary>
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(string verb, IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        CommandLineConfig cl;
        Dictionary<string, object?> conf;
        NimbusOptions options;
        SecurityOptions security;
        try
        {
            cl = CommandLineConfig.Parse(args);
            conf = cl.Load();
            options = NimbusOptions.From(conf, Environment.CurrentDirectory);
            security = SecurityOptions.From(conf, Environment.CurrentDirectory);
        }
        catch (Exception e) when (e is FormatException or FileNotFoundException or ConfigurationException)
        {
            throw CliException.BadInput($"{verb}: {e.Message}");
        }

        using var nimbus = NimbusClient.Create(options, security, verb);
        var rest = cl.Arguments;
        try
        {
            switch (verb)
            {
                case "jar":
                    return await JarAsync(nimbus, cl, rest, stdout, stderr, ct).ConfigureAwait(false);
                case "kill":
                    {
                        var (name, flags) = Parse(verb, rest, "storm kill NAME [-w SECS]", "-w");
                        var wait = flags.TryGetValue("-w", out var w) ? Int(verb, "-w", w[^1], 0) : -1;
                        await nimbus.CallAsync(async (c, d) => await c.KillTopologyAsync(new KillRequest { Name = name, WaitSecs = wait }, deadline: d, cancellationToken: ct), CallTimeout, ct).ConfigureAwait(false);
                        stdout.WriteLine($"Killed topology: {name}");
                        return ExitCodes.Ok;
                    }

                case "activate" or "deactivate":
                    {
                        var (name, _) = Parse(verb, rest, $"storm {verb} NAME");
                        var request = new TopologyRequest { Name = name };
                        await nimbus.CallAsync(
                            async (c, d) => verb == "activate"
                                ? await c.ActivateAsync(request, deadline: d, cancellationToken: ct)
                                : await c.DeactivateAsync(request, deadline: d, cancellationToken: ct),
                            CallTimeout,
                            ct).ConfigureAwait(false);
                        stdout.WriteLine($"{(verb == "activate" ? "Activated" : "Deactivated")} topology: {name}");
                        return ExitCodes.Ok;
                    }

                case "rebalance":
                    return await RebalanceAsync(nimbus, rest, stdout, ct).ConfigureAwait(false);
                case "list":
                    {
                        if (rest.Count > 0)
                        {
                            throw CliException.Usage($"list: unexpected argument '{rest[0]}'", "usage: storm list");
                        }

                        var info = await nimbus.CallAsync(async (c, d) => await c.GetClusterInfoAsync(new Empty(), deadline: d, cancellationToken: ct), CallTimeout, ct).ConfigureAwait(false);
                        PrintList(info, stdout);
                        return ExitCodes.Ok;
                    }

                case "get-errors":
                    {
                        var (name, _) = Parse(verb, rest, "storm get-errors NAME");
                        var errors = await nimbus.CallAsync(async (c, d) => await c.GetTopologyErrorsAsync(new TopologyRequest { Name = name }, deadline: d, cancellationToken: ct), CallTimeout, ct).ConfigureAwait(false);
                        PrintErrors(name, errors, stdout);
                        return ExitCodes.Ok;
                    }

                default:
                    throw CliException.Usage($"unknown command '{verb}'");
            }
        }
        catch (RpcException e)
        {
            throw Refused(verb, e, nimbus.Credentials);
        }
    }

    /// <summary>
    /// Nimbus's refusal as the verb's error: a missing topology is the user's input (2), anything else a failure (1).
    /// A refusal of credentials says which credentials were shown (<paramref name="credentials"/>) and why.
    /// </summary>
    internal static CliException Refused(string verb, RpcException e, string credentials) => e.StatusCode switch
    {
        StatusCode.NotFound or StatusCode.InvalidArgument when verb != "jar" => CliException.BadInput($"{verb}: {e.Status.Detail}"),
        StatusCode.Unauthenticated => CliException.Failed($"{verb}: Nimbus refused the call ({e.Status.Detail}); this client showed {credentials}"),
        StatusCode.PermissionDenied => CliException.Failed($"{verb}: refused: {e.Status.Detail}"),
        _ => CliException.Failed($"{verb}: {e.Status.Detail}"),
    };

    private static async Task<int> JarAsync(NimbusClient nimbus, CommandLineConfig cl, IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        const string usage = "usage: storm jar <project dir | .csproj | .dll> [Type] [args...] [--flux FILE [--filter PROPERTIES] [--env-filter]]";
        if (args.Count == 0 || args[0].StartsWith('-'))
        {
            throw CliException.Usage("jar: missing the topology project directory, .csproj or .dll", usage);
        }

        // -c and --config override storm.yaml and also the topology's own config, as Storm's storm.options do.
        var overrides = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (cl.ConfigFile is not null)
        {
            foreach (var (k, v) in ConfigLoader.ParseFile(cl.ConfigFile))
            {
                overrides[k] = v;
            }
        }

        foreach (var (k, v) in cl.Overrides)
        {
            overrides[k] = v;
        }

        var rest = args.ToList();
        var fluxArgs = FluxArguments.Extract(rest, "jar", usage, 1, cl.LiteralFrom);
        if (fluxArgs is not null && rest.Count > 1)
        {
            throw CliException.Usage($"jar: with --flux the Flux file defines the topology; no Type or arguments are taken (got '{string.Join(' ', rest.Skip(1))}')", usage);
        }

        var assemblyPath = await TopologyProject.ResolveAssemblyAsync(args[0], stderr, ct).ConfigureAwait(false);
        var assembly = TopologyLoadContext.LoadMain(assemblyPath, out var context);

        // A Flux file is read and built before Nimbus is asked anything, so that a mistake in it stops here.
        var flux = fluxArgs?.Load(assembly, context, "jar");
        var entry = flux is null
            ? EntryPoint.Find(EntryPoint.TypesOf(assembly), assembly.EntryPoint, [.. args.Skip(1)], Path.GetFileName(assemblyPath), firstMayNameType: cl.LiteralFrom > 1)
            : null;
        var displayName = entry?.DisplayName ?? fluxArgs!.File;

        // Find the leader before running user code, so an unreachable cluster fails fast and says so.
        await nimbus.FindLeaderAsync(ct).ConfigureAwait(false);
        var submitter = new ClusterSubmitter(nimbus, assemblyPath, overrides, ct);
        var previous = StormSubmitter.Install(submitter);
        int result;
        try
        {
            using (context.EnterContextualReflection())
            {
                if (flux is not null)
                {
                    StormSubmitter.SubmitTopology(flux.Name, flux.Config, flux.Topology);
                    result = ExitCodes.Ok;
                }
                else
                {
                    result = await LocalCommand.InvokeAsync(entry!, stderr, "jar").ConfigureAwait(false);
                }
            }
        }
        finally
        {
            StormSubmitter.Install(previous);
        }

        foreach (var (name, id) in submitter.Submitted)
        {
            stderr.WriteLine($"Finished submitting topology: {name}");
            stdout.WriteLine(id);
        }

        if (result != 0)
        {
            throw new CliException($"jar: {displayName} returned {result}", result);
        }

        if (submitter.Submitted.Count == 0)
        {
            stderr.WriteLine($"{displayName} returned without submitting a topology");
        }

        return ExitCodes.Ok;
    }

    private static async Task<int> RebalanceAsync(NimbusClient nimbus, IReadOnlyList<string> args, TextWriter stdout, CancellationToken ct)
    {
        const string usage = "usage: storm rebalance NAME [-w SECS] [-n WORKERS] [-e COMPONENT=PARALLELISM]...";
        var (name, flags) = Parse("rebalance", args, usage, "-w", "-n", "-e");
        var request = new RebalanceRequest
        {
            Name = name,
            WaitSecs = flags.TryGetValue("-w", out var w) ? Int("rebalance", "-w", w[^1], 0) : -1,
            NumWorkers = flags.TryGetValue("-n", out var n) ? Int("rebalance", "-n", n[^1], 1) : 0,
        };
        foreach (var e in flags.GetValueOrDefault("-e") ?? [])
        {
            var eq = e.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw CliException.Usage($"rebalance: -e '{e}' must be COMPONENT=PARALLELISM", usage);
            }

            request.Executors[e[..eq]] = Int("rebalance", "-e " + e[..eq], e[(eq + 1)..], 1);
        }

        await nimbus.CallAsync(async (c, d) => await c.RebalanceAsync(request, deadline: d, cancellationToken: ct), CallTimeout, ct).ConfigureAwait(false);
        stdout.WriteLine($"Topology {name} is rebalancing");
        return ExitCodes.Ok;
    }

    /// <summary>One topology name and the flags given (each taking a value, repeatable).</summary>
    private static (string Name, Dictionary<string, List<string>> Flags) Parse(string verb, IReadOnlyList<string> args, string usage, params string[] known)
    {
        string? name = null;
        var flags = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg.StartsWith('-') && arg.Length > 1)
            {
                if (Array.IndexOf(known, arg) < 0)
                {
                    throw CliException.Usage($"{verb}: unknown option '{arg}'", "usage: " + usage.Replace("usage: ", string.Empty, StringComparison.Ordinal));
                }

                if (i + 1 >= args.Count)
                {
                    throw CliException.Usage($"{verb}: option {arg} needs a value", usage);
                }

                if (!flags.TryGetValue(arg, out var values))
                {
                    flags[arg] = values = [];
                }

                values.Add(args[++i]);
            }
            else if (name is null)
            {
                name = arg;
            }
            else
            {
                throw CliException.Usage($"{verb}: unexpected argument '{arg}'", usage);
            }
        }

        return name is null ? throw CliException.Usage($"{verb}: missing the topology name", usage) : (name, flags);
    }

    private static int Int(string verb, string option, string value, int min) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min
            ? v
            : throw CliException.Usage($"{verb}: {option} must be a whole number, at least {min} (got '{value}')", $"usage: storm {verb} ...");

    /// <summary>Storm's <c>storm list</c> table.</summary>
    internal static void PrintList(ClusterSummary info, TextWriter stdout)
    {
        if (info.Topologies.Count == 0)
        {
            stdout.WriteLine("No topologies running.");
            return;
        }

        const string format = "{0,-20} {1,-11} {2,-10} {3,-12} {4,-12} {5,-30} {6,-10}";
        var header = string.Format(CultureInfo.InvariantCulture, format, "Topology_name", "Status", "Num_tasks", "Num_workers", "Uptime_secs", "Topology_Id", "Owner");
        stdout.WriteLine(header);
        stdout.WriteLine(new string('-', header.TrimEnd().Length));
        foreach (var t in info.Topologies.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            stdout.WriteLine(string.Format(CultureInfo.InvariantCulture, format, t.Name, t.Status, t.NumTasks, t.NumWorkers, t.UptimeSecs, t.Id, t.Owner).TrimEnd());
        }
    }

    private static void PrintErrors(string name, TopologyErrors errors, TextWriter stdout)
    {
        if (errors.Errors.Count == 0)
        {
            stdout.WriteLine($"No errors for topology {name}.");
            return;
        }

        foreach (var e in errors.Errors)
        {
            var time = DateTimeOffset.FromUnixTimeMilliseconds(e.TimeMs).ToString("u", CultureInfo.InvariantCulture);
            stdout.WriteLine($"{time}  {e.Component} task {e.Task} on {e.Host}:{e.Port}: {e.Message}");
        }
    }
}
