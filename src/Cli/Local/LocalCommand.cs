using System.Diagnostics;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using StormSharp.Runtime;
using StormSharp.Runtime.Loading;
using StormSharp.Topology;

namespace StormSharp.Cli.Local;

/// <summary>
/// <c>storm local</c>: runs a topology program against an in-process <see cref="LocalCluster"/> for a while, as
/// Storm's local mode does, showing each component's progress, then kills its topologies.
/// </summary>
internal static class LocalCommand
{
    /// <summary>How often progress is printed.</summary>
    internal static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(LocalOptions options, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var mainRunning = 0;
        void OnSignal(PosixSignalContext context)
        {
            // While Main runs we cannot interrupt it: let the signal end the process as usual.
            context.Cancel = Volatile.Read(ref mainRunning) == 0;
            stop.Cancel();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

        string assemblyPath;
        try
        {
            assemblyPath = await TopologyProject.ResolveAssemblyAsync(options.Target, stderr, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            throw CliException.Failed("local: interrupted while building");
        }

        Assembly assembly;
        TopologyLoadContext context;
        try
        {
            assembly = TopologyLoadContext.LoadMain(assemblyPath, out context);
        }
        catch (BadImageFormatException)
        {
            throw CliException.BadInput($"local: {assemblyPath} is not a .NET assembly");
        }

        // A Flux file is read and built before anything runs, so that a mistake in it stops here, naming its line.
        var flux = options.Flux?.Load(assembly, context, "local");
        var entry = flux is null ? EntryPoint.Find(EntryPoint.TypesOf(assembly), assembly.EntryPoint, options.Arguments, Path.GetFileName(assemblyPath), options.FirstMayNameType) : null;
        var displayName = entry?.DisplayName ?? options.Flux!.File;

        using var loggerFactory = StormLogging.CreateConsoleFactory();
        LocalCluster cluster;
        try
        {
            // Local mode with one worker would pass a value no second worker could receive: try every tuple, as
            // Storm's testing mode does (a topology's own config can turn it off).
            cluster = new LocalCluster(
                new Dictionary<string, object?>(StringComparer.Ordinal) { [Config.TopologyTestingAlwaysTrySerialize] = true },
                loggerFactory);
        }
        catch (FormatException e)
        {
            throw CliException.Failed("local: bad configuration: " + e.Message);
        }

        using var owned = cluster;
        int mainResult;
        using (cluster.InstallAsSubmitter())
        using (context.EnterContextualReflection())
        {
            stderr.WriteLine($"running {displayName} in local mode");
            Volatile.Write(ref mainRunning, 1);
            try
            {
                if (flux is not null)
                {
                    StormSubmitter.SubmitTopology(flux.Name, flux.Config, flux.Topology);
                    mainResult = ExitCodes.Ok;
                }
                else
                {
                    mainResult = await InvokeAsync(entry!, stderr, "local").ConfigureAwait(false);
                }
            }
            finally
            {
                Volatile.Write(ref mainRunning, 0);
            }
        }

        var names = cluster.GetTopologyNames();
        if (mainResult != 0)
        {
            throw new CliException($"local: {displayName} returned {mainResult}", mainResult);
        }

        if (names.Count == 0)
        {
            stderr.WriteLine($"{displayName} returned without submitting a topology; nothing to run");
            return ExitCodes.Ok;
        }

        await using var ui = options.UiPort is { } uiPort ? await LocalUi.StartAsync(cluster, uiPort, loggerFactory, stdout, stop.Token).ConfigureAwait(false) : null;
        stdout.WriteLine($"running {string.Join(", ", names)} for {options.Ttl.TotalSeconds:0}s (--local-ttl); Ctrl-C stops early");
        var progress = new ProgressPrinter(stdout, stderr);
        var clock = Stopwatch.StartNew();

        // Progress at every whole interval strictly before the ttl, each printed once; the block at the ttl is the
        // final one, printed after the loop. Timed by one clock: a timer that fires a little early must not make a
        // tick print twice or the ttl's block print before the final one.
        var died = cluster.Died;
        for (var tick = ProgressInterval; !stop.IsCancellationRequested && !died.IsCompleted; tick += ProgressInterval)
        {
            var until = tick < options.Ttl ? tick : options.Ttl;
            if (!await WaitUntilAsync(clock, until, died, stop.Token).ConfigureAwait(false) || tick >= options.Ttl)
            {
                break;
            }

            progress.Print(cluster, tick);
        }

        if (died.IsCompleted)
        {
            // As a worker process dies and is restarted in a cluster, local mode stops: failing every tuple for the
            // rest of the run and exiting 0 would hide the error.
            var (topology, death) = await died.ConfigureAwait(false);
            stderr.WriteLine(death.Error.ToString());
            foreach (var name in cluster.GetTopologyNames())
            {
                progress.Print(cluster, name, clock.Elapsed);
                cluster.KillTopology(name);
                stdout.WriteLine($"killed {name}");
            }

            throw CliException.Failed($"local: topology {topology} stopped: {death}");
        }

        stdout.WriteLine(stop.IsCancellationRequested ? "stopping: interrupted" : $"stopping: --local-ttl of {options.Ttl.TotalSeconds:0}s reached");
        foreach (var name in cluster.GetTopologyNames())
        {
            progress.Print(cluster, name, clock.Elapsed);
            cluster.KillTopology(name);
            stdout.WriteLine($"killed {name}");
        }

        return ExitCodes.Ok;
    }

    /// <summary>Waits until <paramref name="clock"/> reads <paramref name="elapsed"/>; false when stopped or <paramref name="died"/> first.</summary>
    private static async Task<bool> WaitUntilAsync(Stopwatch clock, TimeSpan elapsed, Task died, CancellationToken stop)
    {
        for (var left = elapsed - clock.Elapsed; left > TimeSpan.Zero && !died.IsCompleted && !stop.IsCancellationRequested; left = elapsed - clock.Elapsed)
        {
            // Task.Delay cancelled completes without throwing here: WhenAny only waits for it.
            await Task.WhenAny(Task.Delay(left, stop), died).ConfigureAwait(false);
        }

        return !stop.IsCancellationRequested && !died.IsCompleted;
    }

    /// <summary>Runs the program's Main; what it throws becomes a <see cref="CliException"/> prefixed with <paramref name="verb"/>.</summary>
    internal static async Task<int> InvokeAsync(EntryPoint entry, TextWriter stderr, string verb)
    {
        object? result;
        try
        {
            result = entry.Method.GetParameters().Length == 0
                ? entry.Method.Invoke(null, null)
                : entry.Method.Invoke(null, [entry.Arguments]);
            switch (result)
            {
                case Task<int> withCode:
                    return await withCode.ConfigureAwait(false);
                case Task task:
                    await task.ConfigureAwait(false);
                    return 0;
                case int code:
                    return code;
                default:
                    return 0;
            }
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw MainFailed(entry, e.InnerException, stderr, verb);
        }
        catch (Exception e) when (e is not CliException)
        {
            throw MainFailed(entry, e, stderr, verb);
        }
    }

    private static CliException MainFailed(EntryPoint entry, Exception error, TextWriter stderr, string verb)
    {
        switch (error)
        {
            // Thrown by the submitter through Main: already says what happened.
            case CliException cli:
                return cli;
            case InvalidTopologyException:
                return CliException.Failed($"{verb}: the topology was refused: {error.Message}");
        }

        stderr.WriteLine(error.ToString());
        return CliException.Failed($"{verb}: {entry.DisplayName} threw {error.GetType().Name}: {error.Message}");
    }
}
