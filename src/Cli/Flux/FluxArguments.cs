using System.Reflection;
using StormSharp.Flux;
using StormSharp.Runtime.Loading;

namespace StormSharp.Cli.Flux;

/// <summary>
/// <c>--flux FILE [--filter PROPERTIES] [--env-filter]</c> of <c>storm local</c> and <c>storm jar</c>: the topology is
/// Storm's Flux YAML, built from the package's types instead of by a Main.
/// </summary>
internal sealed record FluxArguments(string File, string? Filter, bool EnvFilter)
{
    public const string FluxOption = "--flux";
    public const string FilterOption = "--filter";
    public const string EnvFilterOption = "--env-filter";

    /// <summary>Whether <paramref name="arg"/> is one of the Flux options.</summary>
    public static bool IsOption(string arg) =>
        arg is FluxOption or FilterOption or EnvFilterOption || arg.StartsWith(FluxOption + "=", StringComparison.Ordinal) || arg.StartsWith(FilterOption + "=", StringComparison.Ordinal);

    /// <summary>
    /// Takes the Flux options out of <paramref name="args"/> from <paramref name="start"/> up to (not including)
    /// <paramref name="end"/>; null when there are none. <c>--filter</c> or <c>--env-filter</c> without <c>--flux</c> is a usage error.
    /// </summary>
    public static FluxArguments? Extract(List<string> args, string verb, string usage, int start = 0, int end = int.MaxValue)
    {
        string? file = null;
        string? filter = null;
        var env = false;
        end = Math.Min(end, args.Count);
        for (var i = start; i < end;)
        {
            var arg = args[i];
            if (arg == EnvFilterOption)
            {
                env = true;
                args.RemoveAt(i);
                end--;
                continue;
            }

            string? value = null;
            var taken = 1;
            foreach (var option in new[] { FluxOption, FilterOption })
            {
                if (arg == option)
                {
                    if (i + 1 >= end)
                    {
                        throw CliException.Usage($"{verb}: {option} needs a file", usage);
                    }

                    value = args[i + 1];
                    taken = 2;
                }
                else if (arg.StartsWith(option + "=", StringComparison.Ordinal))
                {
                    value = arg[(option.Length + 1)..];
                }

                if (value is not null)
                {
                    ref var slot = ref option == FluxOption ? ref file : ref filter;
                    if (slot is not null)
                    {
                        throw CliException.Usage($"{verb}: {option} is given twice", usage);
                    }

                    slot = value;
                    break;
                }
            }

            if (value is null)
            {
                i++;
                continue;
            }

            args.RemoveRange(i, taken);
            end -= taken;
        }

        if (file is null)
        {
            return filter is not null || env
                ? throw CliException.Usage($"{verb}: {(filter is not null ? FilterOption : EnvFilterOption)} applies to a Flux file: give {FluxOption} FILE", usage)
                : null;
        }

        return new FluxArguments(file, filter, env);
    }

    /// <summary>
    /// Reads and builds the Flux file with the types of <paramref name="assembly"/>, the assemblies it references and
    /// StormSharp's API; a mistake is the user's input (exit code 2) naming the file's line.
    /// </summary>
    public FluxTopology Load(Assembly assembly, TopologyLoadContext context, string verb)
    {
        var assemblies = new List<Assembly> { assembly };
        foreach (var name in assembly.GetReferencedAssemblies())
        {
            try
            {
                assemblies.Add(context.LoadFromAssemblyName(name));
            }
            catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
            {
                // Not shipped with the package (a framework facade, say): its types cannot be components anyway.
            }
        }

        var inPackage = FluxLoader.TypesIn(assemblies);
        var resources = Path.Combine(Path.GetDirectoryName(assembly.Location)!, "resources");
        try
        {
            var options = new FluxOptions(
                Filter is null ? null : FluxOptions.ReadProperties(Filter),
                EnvFilter,
                Directory.Exists(resources) ? resources : null);
            return FluxLoader.Load(File, options, name => inPackage(name) ?? context.ResolveType(name));
        }
        catch (FluxException e)
        {
            throw CliException.BadInput($"{verb}: {e.Message}");
        }
    }
}
