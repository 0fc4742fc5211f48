using System.Reflection;
using System.Runtime.Loader;

namespace StormSharp.Topology.State;

/// <summary>Opens state stores with the provider <c>topology.state.provider</c> names (Storm's StateFactory).</summary>
internal static class StateFactory
{
    public const string Memory = "memory";
    public const string File = "file";

    /// <summary>The store of <paramref name="ns"/>; <paramref name="near"/> is a type of the topology, whose load context finds a provider named by type.</summary>
    public static IStateStore Open(IReadOnlyDictionary<string, object?> conf, string ns, Type near)
    {
        var topology = conf.TryGetValue(Config.TopologyName, out var n) && n is string s ? s : "topology";
        return Provider(conf, near).Open(topology, ns, conf);
    }

    public static IStateProvider Provider(IReadOnlyDictionary<string, object?> conf, Type near)
    {
        var name = conf.TryGetValue(Config.TopologyStateProvider, out var p) && p is string str && str.Length > 0 ? str : Memory;
        switch (name)
        {
            case Memory:
                return new InMemoryStateProvider();
            case File:
                return new FileStateProvider();
        }

        var type = Resolve(name, near)
            ?? throw new InvalidOperationException($"'{Config.TopologyStateProvider}' names '{name}', which is neither '{Memory}', '{File}' nor a type that can be found");
        if (!typeof(IStateProvider).IsAssignableFrom(type))
        {
            throw new InvalidOperationException($"'{Config.TopologyStateProvider}' names {type.FullName}, which does not implement IStateProvider");
        }

        return (IStateProvider)Activator.CreateInstance(type)!;
    }

    private static Type? Resolve(string name, Type near)
    {
        var context = AssemblyLoadContext.GetLoadContext(near.Assembly) ?? AssemblyLoadContext.Default;
        try
        {
            return Type.GetType(name, an => context.LoadFromAssemblyName(an), null, throwOnError: false);
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            return null;
        }
    }

    /// <summary>Creates the state a stateful bolt declares; only <see cref="KeyValueState{TKey, TValue}"/> is known.</summary>
    public static IState Create(Type stateType, IStateStore store)
    {
        if (!IsSupported(stateType))
        {
            throw new InvalidOperationException($"stateful bolts keep KeyValueState<TKey, TValue>, not {stateType.Name}");
        }

        return (IState)Activator.CreateInstance(stateType, BindingFlags.Instance | BindingFlags.NonPublic, null, [store], null)!;
    }

    public static bool IsSupported(Type stateType) => stateType.IsGenericType && stateType.GetGenericTypeDefinition() == typeof(KeyValueState<,>);
}
