using System.Runtime.Loader;
using StormSharp.Examples.WordCount;

namespace StormSharp.Packaging.Tests;

public sealed class PackageInspectorTests : IDisposable
{
    private const string Assets = "StormSharp.Packaging.TestAssets";

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Inspect_WordCountPackage_AcceptsItsComponents()
    {
        var package = Unpacked(BuildOutputs.WordCountAssembly);
        var components = ComponentType.AllOf(WordCountTopology.Build());
        Assert.Equal(4, components.Count);
        Assert.Contains(components, c => c.ComponentId == "split" && c.TypeName.Contains(", Version=", StringComparison.Ordinal));

        Assert.Empty(PackageInspector.Inspect(package, EntryOf(BuildOutputs.WordCountAssembly), components));
    }

    [Fact]
    public void Inspect_PackageWithoutTopologyApi_UsesTheRunningOne()
    {
        var package = Unpacked(BuildOutputs.WordCountAssembly);
        var api = Path.Combine(package, "StormSharp.Topology.Api.dll");
        Assert.True(File.Exists(api), "the WordCount build output should ship the Topology API");
        File.Delete(api);
        Assert.Empty(PackageInspector.Inspect(package, EntryOf(BuildOutputs.WordCountAssembly), ComponentType.AllOf(WordCountTopology.Build())));
    }

    [Fact]
    public void Inspect_MissingType_NamesComponentAndType()
    {
        var package = Unpacked(BuildOutputs.WordCountAssembly);
        var missing = "StormSharp.Examples.WordCount.NoSuchBolt, StormSharp.Examples.WordCount";
        var problem = Assert.Single(PackageInspector.Inspect(package, EntryOf(BuildOutputs.WordCountAssembly), [new("split", missing, ComponentRole.Bolt)]));
        Assert.StartsWith($"component 'split': type '{missing}' is not in the package", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_TypeFromAssemblyNotInPackage_Refused()
    {
        var package = Unpacked(BuildOutputs.WordCountAssembly);
        var problem = Assert.Single(PackageInspector.Inspect(package, EntryOf(BuildOutputs.WordCountAssembly), [new("split", "Foo.SplitBolt, Foo", ComponentRole.Bolt)]));
        Assert.StartsWith("component 'split': type 'Foo.SplitBolt, Foo' is not in the package", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_FrameworkType_RefusedAsNotInPackage()
    {
        var package = Unpacked(BuildOutputs.WordCountAssembly);
        var problem = Assert.Single(PackageInspector.Inspect(package, EntryOf(BuildOutputs.WordCountAssembly), [new("x", typeof(object).AssemblyQualifiedName!, ComponentRole.Bolt)]));
        Assert.Contains("is not in the package", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_WrongRoles_ReportsEveryProblem()
    {
        var package = Unpacked(BuildOutputs.WordCountAssembly);
        var topology = WordCountTopology.Build();
        var spout = topology.ById["sentences"].Component.TypeName;
        var bolt = topology.ById["split"].Component.TypeName;

        var problems = PackageInspector.Inspect(package, EntryOf(BuildOutputs.WordCountAssembly),
        [
            new("sentences", spout, ComponentRole.Bolt),
            new("split", bolt, ComponentRole.Spout),
            new("count", bolt, ComponentRole.CustomGrouping),
            new("fine", bolt, ComponentRole.Bolt),
        ]);

        Assert.Equal(
        [
            $"component 'sentences': type '{spout}' implements neither IRichBolt nor IBasicBolt (it is a spout)",
            $"component 'split': type '{bolt}' does not implement ISpout (it is a bolt)",
            $"component 'count': type '{bolt}' does not implement ICustomStreamGrouping (it is a bolt)",
        ], problems);
    }

    [Fact]
    public void Inspect_DllThatIsATextFile_Refused()
    {
        var package = _dir.Combine("pkg");
        _dir.WriteFile("pkg/Foo.dll", "not an assembly at all"u8.ToArray());

        var problems = PackageInspector.Inspect(package, "Foo.dll", [new("split", "Foo.SplitBolt, Foo", ComponentRole.Bolt)]);

        Assert.Equal(
        [
            "'Foo.dll' is not a .NET assembly (it is the package's entry assembly)",
            "component 'split': 'Foo.dll' is not a .NET assembly, so type 'Foo.SplitBolt, Foo' cannot be in it",
        ], problems);
    }

    [Fact]
    public void Inspect_MissingEntryAssembly_Refused()
    {
        var package = Unpacked(BuildOutputs.WordCountAssembly);
        var problems = PackageInspector.Inspect(package, "Foo.dll", ComponentType.AllOf(WordCountTopology.Build()));
        Assert.Equal(["the package has no entry assembly 'Foo.dll'"], problems);
    }

    [Fact]
    public void Inspect_MalformedOrUnqualifiedTypeName_Refused()
    {
        var package = Unpacked(BuildOutputs.WordCountAssembly);
        var problems = PackageInspector.Inspect(package, EntryOf(BuildOutputs.WordCountAssembly),
        [
            new("a", "Foo.Bar[[", ComponentRole.Bolt),
            new("b", "StormSharp.Examples.WordCount.SplitSentenceBolt", ComponentRole.Bolt),
        ]);
        Assert.Equal(2, problems.Count);
        Assert.StartsWith("component 'a': 'Foo.Bar[[' is not a valid type name", problems[0], StringComparison.Ordinal);
        Assert.StartsWith("component 'b': type 'StormSharp.Examples.WordCount.SplitSentenceBolt' does not name its assembly", problems[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_ShapesOfTypes_TellsThemApart()
    {
        var package = Unpacked(BuildOutputs.TestAssetsAssembly);
        var problems = PackageInspector.Inspect(package, EntryOf(BuildOutputs.TestAssetsAssembly),
        [
            new("grouped", $"{Assets}.Shapes+FirstTaskGrouping, {Assets}", ComponentRole.CustomGrouping),
            new("generic", $"{Assets}.Shapes+GenericBolt`1[[System.String, System.Private.CoreLib]], {Assets}", ComponentRole.Bolt),
            new("abstract", $"{Assets}.Shapes+AbstractBolt, {Assets}", ComponentRole.Bolt),
            new("impostor", $"{Assets}.Shapes+ImpostorSpout, {Assets}", ComponentRole.Spout),
            new("open", $"{Assets}.Shapes+GenericBolt`1, {Assets}", ComponentRole.Bolt),
        ]);

        Assert.Equal(
        [
            $"component 'abstract': type '{Assets}.Shapes+AbstractBolt, {Assets}' is abstract; tasks need a concrete class",
            $"component 'impostor': type '{Assets}.Shapes+ImpostorSpout, {Assets}' does not implement ISpout",
            $"component 'open': type '{Assets}.Shapes+GenericBolt`1, {Assets}' is an open generic type; tasks need a concrete class",
        ], problems);
    }

    [Fact]
    public void Inspect_TypeWithStaticConstructorAndModuleInitializer_RunsNoUserCode()
    {
        var package = Unpacked(BuildOutputs.TestAssetsAssembly);

        var problems = PackageInspector.Inspect(package, EntryOf(BuildOutputs.TestAssetsAssembly),
            [new("spout", $"{Assets}.SideEffectSpout, {Assets}", ComponentRole.Spout)]);

        Assert.Empty(problems);
        Assert.False(File.Exists(Path.Combine(package, "static-constructor.marker")), "inspection ran the static constructor");
        Assert.False(File.Exists(Path.Combine(package, "module-initializer.marker")), "inspection ran the module initializer");
    }

    /// <summary>The control for the test above: the markers do appear when the type is really loaded and initialized.</summary>
    [Fact]
    public void LoadingTheAssetForReal_WritesBothMarkers()
    {
        var package = Unpacked(BuildOutputs.TestAssetsAssembly);
        var context = new AssemblyLoadContext("marker-control", isCollectible: true);
        try
        {
            var assembly = context.LoadFromAssemblyPath(Path.Combine(package, Path.GetFileName(BuildOutputs.TestAssetsAssembly)));
            var type = assembly.GetType($"{Assets}.SideEffectSpout", throwOnError: true)!;
            System.Runtime.CompilerServices.RuntimeHelpers.RunClassConstructor(type.TypeHandle);
        }
        finally
        {
            context.Unload();
        }

        Assert.True(File.Exists(Path.Combine(package, "static-constructor.marker")), "the static constructor did not write its marker");
        Assert.True(File.Exists(Path.Combine(package, "module-initializer.marker")), "the module initializer did not write its marker");
    }

    private static string EntryOf(string assemblyPath) => Path.GetFileName(assemblyPath);

    /// <summary>Packs the build output folder of <paramref name="assemblyPath"/> and unpacks it, the way a package reaches Nimbus.</summary>
    private string Unpacked(string assemblyPath)
    {
        var zip = _dir.Combine("package.zip");
        using (var file = File.Create(zip))
        {
            TopologyPackage.Pack(Path.GetDirectoryName(assemblyPath)!, EntryOf(assemblyPath), file);
        }

        var target = _dir.Combine("unpacked");
        TopologyPackage.Unpack(zip, target);
        return target;
    }
}
