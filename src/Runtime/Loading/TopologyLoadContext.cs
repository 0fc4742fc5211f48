using System.Reflection;
using System.Runtime.Loader;

namespace StormSharp.Runtime.Loading;

/// <summary>
/// Loads a topology assembly and its private dependencies in isolation, while sharing with the default context
/// StormSharp.Topology.Api (so the program's StormSubmitter is the one the host hooks, and component interfaces are
/// the engine's) and every assembly already loaded there, such as the framework. Used by <c>storm local</c> and by
/// worker processes.
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

    /// <summary>Loads the topology assembly at <paramref name="path"/> in a new context; <see cref="BadImageFormatException"/> when it is not a .NET assembly.</summary>
    public static Assembly LoadMain(string path, out TopologyLoadContext context)
    {
        // Make sure the shared API is loaded in the default context before the topology asks for it.
        _ = typeof(StormSharp.Topology.StormSubmitter).Assembly;
        context = new TopologyLoadContext(path);
        StormSharp.Topology.Internal.Multilang.ShellSupport.PackageDirectory = Path.GetDirectoryName(Path.GetFullPath(path));
        return context.LoadFromAssemblyPath(path);
    }

    /// <summary>
    /// Finds a component's type by its assembly-qualified name in this context (and so in the assemblies it shares);
    /// null when it cannot be found or loaded.
    /// </summary>
    public Type? ResolveType(string typeName)
    {
        try
        {
            return Type.GetType(typeName, LoadFromAssemblyName, null, throwOnError: false);
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            return null;
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
