using System.Reflection;
using System.Runtime.Loader;

namespace StormSharp.Cli.Local;

/// <summary>
/// Loads a topology assembly and its private dependencies in isolation, while sharing with the default context
/// StormSharp.Topology.Api (so the program's StormSubmitter is the one the CLI hooks) and every assembly already
/// loaded there, such as the framework.
/// </summary>
internal sealed class TopologyLoadContext : AssemblyLoadContext
{
    /// <summary>The assembly whose statics (StormSubmitter's hook) must be the CLI's own.</summary>
    internal const string TopologyApiName = "StormSharp.Topology.Api";

    private readonly AssemblyDependencyResolver _resolver;
    private readonly string _directory;

    public TopologyLoadContext(string mainAssemblyPath)
        : base("topology:" + Path.GetFileName(mainAssemblyPath), isCollectible: false)
    {
        _resolver = new AssemblyDependencyResolver(mainAssemblyPath);
        _directory = Path.GetDirectoryName(mainAssemblyPath)!;
    }

    /// <summary>Loads the topology assembly at <paramref name="path"/> in a new context.</summary>
    public static Assembly LoadMain(string path, out TopologyLoadContext context)
    {
        // Make sure the shared API is loaded in the default context before the topology asks for it.
        _ = typeof(StormSharp.Topology.StormSubmitter).Assembly;
        context = new TopologyLoadContext(path);
        try
        {
            return context.LoadFromAssemblyPath(path);
        }
        catch (BadImageFormatException)
        {
            throw CliException.BadInput($"local: {path} is not a .NET assembly");
        }
    }

    /// <summary>Whether <paramref name="name"/> is taken from the default context rather than the topology's folder.</summary>
    internal static bool IsShared(AssemblyName name)
    {
        if (name.Name == TopologyApiName)
        {
            return true;
        }

        foreach (var loaded in Default.Assemblies)
        {
            if (string.Equals(loaded.GetName().Name, name.Name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (IsShared(assemblyName))
        {
            return null;
        }

        var path = _resolver.ResolveAssemblyToPath(assemblyName);
        if (path is null)
        {
            // Without a .deps.json entry, look next to the topology assembly; else the default context decides.
            var candidate = Path.Combine(_directory, assemblyName.Name + ".dll");
            path = File.Exists(candidate) ? candidate : null;
        }

        return path is null ? null : LoadFromAssemblyPath(path);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = _resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
        return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
    }
}
