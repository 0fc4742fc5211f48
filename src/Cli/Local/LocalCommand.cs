using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using StormSharp.Topology;

namespace StormSharp.Cli.Local;

/// <summary>
/// <c>storm local</c>: runs a topology program against an in-process LocalCluster for a while, as
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

        var assembly = TopologyLoadContext.LoadMain(assemblyPath, out var context);
        var entry = EntryPoint.Find(EntryPoint.TypesOf(assembly), assembly.EntryPoint, options.Arguments, Path.GetFileName(assemblyPath));

        _ = entry;
        throw CliException.Failed("local: the engine (LocalCluster) is not available yet");
    }

    private static async Task<int> InvokeAsync(EntryPoint entry, TextWriter stderr)
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
            throw MainFailed(entry, e.InnerException, stderr);
        }
        catch (Exception e) when (e is not CliException)
        {
            throw MainFailed(entry, e, stderr);
        }
    }

    private static CliException MainFailed(EntryPoint entry, Exception error, TextWriter stderr)
    {
        if (error is InvalidTopologyException)
        {
            return CliException.Failed($"local: the topology was refused: {error.Message}");
        }

        stderr.WriteLine(error.ToString());
        return CliException.Failed($"local: {entry.DisplayName} threw {error.GetType().Name}: {error.Message}");
    }
}
