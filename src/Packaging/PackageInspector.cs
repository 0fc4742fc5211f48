using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using StormSharp.Topology;

namespace StormSharp.Packaging;

/// <summary>
/// Checks, before a topology is accepted, that every type it names is in its package and is what the topology
/// uses it as, reading the assemblies as metadata only: no user code runs, not even a static constructor or a
/// module initializer, so a hostile or broken package cannot act inside Nimbus.
/// </summary>
/// <remarks>
/// Assemblies resolve in the order a worker's load context resolves them for a framework-dependent build: the
/// running runtime's framework assemblies first, then the dlls at the package's root, then, when the package
/// does not ship one, the StormSharp Topology API that this process runs with. A component's own type must come
/// from a dll at the package's root.
/// </remarks>
public static class PackageInspector
{
    private const string ApiAssemblyName = "StormSharp.Topology.Api";

    /// <summary>
    /// Every problem found, each naming its component and type (empty when the package fits the topology). Throws
    /// only for a <paramref name="packageDirectory"/> that does not exist.
    /// </summary>
    /// <param name="packageDirectory">An unpacked package.</param>
    /// <param name="entryAssembly">File name of the entry assembly at the package's root, e.g. <c>WordCount.dll</c>.</param>
    /// <param name="components">The types to check, e.g. <see cref="ComponentType.AllOf"/> of the submitted topology.</param>
    public static IReadOnlyList<string> Inspect(string packageDirectory, string entryAssembly, IEnumerable<ComponentType> components)
    {
        ArgumentNullException.ThrowIfNull(components);
        if (!Directory.Exists(packageDirectory))
        {
            throw new DirectoryNotFoundException($"package folder '{packageDirectory}' does not exist");
        }

        var problems = new List<string>();
        var packageDlls = new Dictionary<string, (string Path, bool Managed)>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in Directory.EnumerateFiles(packageDirectory, "*.dll"))
        {
            packageDlls[Path.GetFileNameWithoutExtension(path)] = (path, IsManagedAssembly(path));
        }

        var entryPath = Path.Combine(packageDirectory, entryAssembly);
        if (!File.Exists(entryPath))
        {
            problems.Add($"the package has no entry assembly '{entryAssembly}'");
        }
        else if (!IsManagedAssembly(entryPath))
        {
            problems.Add($"'{entryAssembly}' is not a .NET assembly (it is the package's entry assembly)");
        }

        using var context = new MetadataLoadContext(new PathAssemblyResolver(ResolverPaths(packageDlls)));
        foreach (var component in components)
        {
            if (Check(context, packageDlls, component) is { } problem)
            {
                problems.Add($"component '{component.ComponentId}': {problem}");
            }
        }

        return problems;
    }

    private static List<string> ResolverPaths(Dictionary<string, (string Path, bool Managed)> packageDlls)
    {
        var byName = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in Directory.EnumerateFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll"))
        {
            byName[Path.GetFileNameWithoutExtension(path)] = path;
        }

        foreach (var (name, dll) in packageDlls)
        {
            // A dll that is not .NET stays out: the resolver would fail on it for every lookup of its name.
            if (dll.Managed)
            {
                byName.TryAdd(name, dll.Path);
            }
        }

        // Location is empty only in a single-file host; then a package without the API cannot resolve it, and says so per component.
        if (typeof(ISpout).Assembly.Location is { Length: > 0 } runningApi)
        {
            byName.TryAdd(ApiAssemblyName, runningApi);
        }

        return [.. byName.Values];
    }

    private static string? Check(MetadataLoadContext context, Dictionary<string, (string Path, bool Managed)> packageDlls, ComponentType component)
    {
        var typeName = component.TypeName;
        if (!TypeName.TryParse(typeName.AsSpan(), out var parsed))
        {
            return $"'{typeName}' is not a valid type name";
        }

        if (parsed.AssemblyName is not { } assemblyName)
        {
            return $"type '{typeName}' does not name its assembly (expected an assembly-qualified name)";
        }

        if (!packageDlls.TryGetValue(assemblyName.Name, out var dll))
        {
            return $"type '{typeName}' is not in the package (it has no {assemblyName.Name}.dll)";
        }

        if (!dll.Managed)
        {
            return $"'{Path.GetFileName(dll.Path)}' is not a .NET assembly, so type '{typeName}' cannot be in it";
        }

        Type? type;
        try
        {
            var assembly = context.LoadFromAssemblyPath(dll.Path);
            type = Resolve(context, assembly, parsed);
            if (type is null)
            {
                return $"type '{typeName}' is not in the package ({Path.GetFileName(dll.Path)} has no such type)";
            }

            if (type.IsInterface || type.IsAbstract || type.ContainsGenericParameters)
            {
                return $"type '{typeName}' is {(type.IsInterface ? "an interface" : type.IsAbstract ? "abstract" : "an open generic type")}; tasks need a concrete class";
            }

            return CheckRole(type, component.Role, typeName);
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException or TypeLoadException or ArgumentException)
        {
            return $"type '{typeName}' cannot be loaded from the package: {e.Message}";
        }
    }

    private static Type? Resolve(MetadataLoadContext context, Assembly assembly, TypeName name)
    {
        if (name.IsConstructedGenericType)
        {
            var definition = assembly.GetType(name.GetGenericTypeDefinition().FullName, throwOnError: false);
            if (definition is null)
            {
                return null;
            }

            var args = new List<Type>();
            foreach (var arg in name.GetGenericArguments())
            {
                var argAssembly = arg.AssemblyName is { } a ? context.LoadFromAssemblyName(a.FullName) : assembly;
                if (Resolve(context, argAssembly, arg) is not { } resolved)
                {
                    return null;
                }

                args.Add(resolved);
            }

            return definition.MakeGenericType([.. args]);
        }

        return name.IsSimple || name.IsNested ? assembly.GetType(name.FullName, throwOnError: false) : null;
    }

    private static string? CheckRole(Type type, ComponentRole role, string typeName)
    {
        var implemented = new HashSet<string>(StringComparer.Ordinal);
        foreach (var i in type.GetInterfaces())
        {
            // Compared by name and assembly, since these types live in the inspection context, not this process's.
            if (i.Assembly.GetName().Name == ApiAssemblyName && i.FullName is { } n)
            {
                implemented.Add(n);
            }
        }

        var spout = implemented.Contains(typeof(ISpout).FullName!);
        var bolt = implemented.Contains(typeof(IRichBolt).FullName!) || implemented.Contains(typeof(IBasicBolt).FullName!);
        var grouping = implemented.Contains(typeof(ICustomStreamGrouping).FullName!);
        var what = spout ? " (it is a spout)" : bolt ? " (it is a bolt)" : grouping ? " (it is a custom grouping)" : string.Empty;
        return role switch
        {
            ComponentRole.Spout when !spout => $"type '{typeName}' does not implement ISpout{what}",
            ComponentRole.Bolt when !bolt => $"type '{typeName}' implements neither IRichBolt nor IBasicBolt{what}",
            ComponentRole.CustomGrouping when !grouping => $"type '{typeName}' does not implement ICustomStreamGrouping{what}",
            _ => null,
        };
    }

    private static bool IsManagedAssembly(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            using var pe = new PEReader(file);
            return pe.HasMetadata && pe.GetMetadataReader().IsAssembly;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }
}
