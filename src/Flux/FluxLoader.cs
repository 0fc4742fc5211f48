using System.Reflection;
using StormSharp.Flux.Internal;

namespace StormSharp.Flux;

/// <summary>
/// Storm's Flux for StormSharp: reads a topology's YAML definition (name, config, components, spouts, bolts,
/// streams, includes, <c>${...}</c> substitution) and builds it from the .NET types of a package.
/// </summary>
/// <remarks>
/// <para><c>className</c> names a .NET type (Namespace.Type, or assembly-qualified); <c>constructorArgs</c> pick the
/// public constructor whose parameters they fit (in declaration order, the first that fits); <c>properties</c> set
/// public settable properties or fields (or call a <c>SetName</c> method); <c>configMethods</c> call public
/// methods. A list fits an array, a <c>List&lt;T&gt;</c> or <see cref="Topology.Fields"/>; <c>ref: id</c> passes a
/// component defined earlier, <c>reflist</c> several.</para>
/// <para>Every mistake (an unknown class, no matching constructor, a stream to an unknown component, a bad
/// grouping, an unknown key) throws <see cref="FluxException"/> naming the file and line before anything runs.</para>
/// </remarks>
public static class FluxLoader
{
    /// <summary>Reads and builds the Flux file at <paramref name="path"/>, finding classes with <paramref name="resolveType"/>.</summary>
    /// <exception cref="FluxException">The file is wrong; the message names the file, the line and the reason.</exception>
    public static FluxTopology Load(string path, FluxOptions options, Func<string, Type?> resolveType)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(resolveType);
        return FluxBuilder.Build(FluxParser.Parse(path, options), resolveType);
    }

    /// <summary>Builds Flux YAML given as text; <paramref name="fileName"/> names it in errors (includes resolve from the current directory).</summary>
    /// <exception cref="FluxException">The text is wrong.</exception>
    public static FluxTopology LoadText(string yaml, string fileName, FluxOptions options, Func<string, Type?> resolveType)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        return FluxBuilder.Build(FluxParser.ParseText(fileName, FluxParser.Substitute(fileName, yaml, options), options), resolveType);
    }

    /// <summary>
    /// Finds a type by its full name in <paramref name="assemblies"/> (first match, in order), then in StormSharp's
    /// Topology.Api, then by an assembly-qualified name.
    /// </summary>
    public static Func<string, Type?> TypesIn(params IReadOnlyList<Assembly> assemblies) => name =>
    {
        foreach (var assembly in assemblies)
        {
            if (assembly.GetType(name, throwOnError: false) is { } t)
            {
                return t;
            }
        }

        if (typeof(Topology.ShellBolt).Assembly.GetType(name, throwOnError: false) is { } api)
        {
            return api;
        }

        try
        {
            return name.Contains(',', StringComparison.Ordinal) ? Type.GetType(name, throwOnError: false) : null;
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException or ArgumentException)
        {
            return null;
        }
    };
}
