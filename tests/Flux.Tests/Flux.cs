using StormSharp.Examples.WordCount;
using StormSharp.Topology;

namespace StormSharp.Flux.Tests;

/// <summary>Loads Flux text or files against the test and example assemblies.</summary>
internal static class Flux
{
    public static readonly Func<string, Type?> Types = FluxLoader.TypesIn(typeof(ConfiguredSpout).Assembly, typeof(WordCountBolt).Assembly);

    public static FluxTopology Text(string yaml, FluxOptions? options = null) => FluxLoader.LoadText(yaml, "test.yaml", options ?? new FluxOptions(), Types);

    public static FluxException Refused(string yaml, FluxOptions? options = null) => Assert.Throws<FluxException>(() => Text(yaml, options));

    /// <summary>The component <paramref name="id"/> as a worker would rebuild it.</summary>
    public static T Component<T>(FluxTopology flux, string id) => (T)flux.Topology.ById[id].Component.Instantiate(Types);
}
