using StormSharp.Examples.WordCount;
using StormSharp.Topology;

namespace StormSharp.Flux.Tests;

public sealed class FluxSectionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("flux-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Load_NameAndConfig_TypedAsStormReadsYaml()
    {
        var flux = Flux.Text("""
            name: "typed"
            config:
              topology.workers: 2
              topology.debug: false
              topology.max.spout.pending: 5000000000
              ratio: 0.5
              quoted: "42"
              nothing: null
              list: [1, two]
              nested: {a: 1}
            spouts:
              - id: "s"
                className: "StormSharp.Flux.Tests.ConfiguredSpout"
                constructorArgs: ["n", 1]
            """);

        Assert.Equal("typed", flux.Name);
        Assert.Equal(2, flux.Config["topology.workers"]);
        Assert.Equal(false, flux.Config["topology.debug"]);
        Assert.Equal(5_000_000_000L, flux.Config["topology.max.spout.pending"]);
        Assert.Equal(0.5, flux.Config["ratio"]);
        Assert.Equal("42", flux.Config["quoted"]);
        Assert.Null(flux.Config["nothing"]);
        Assert.Equal(new List<object?> { 1, "two" }, flux.Config["list"]);
        Assert.Equal(1, ((Dictionary<string, object?>)flux.Config["nested"]!)["a"]);
    }

    [Fact]
    public void Load_ComponentsConstructorArgsRefsPropertiesAndConfigMethods_AllApplied()
    {
        var flux = Flux.Text("""
            name: "beans"
            components:
              - id: "settings"
                className: "StormSharp.Flux.Tests.Settings"
                constructorArgs: ["pre", 7]
                configMethods:
                  - name: "addTag"
                    args: ["red"]
                  - name: "AddTag"
                    args: ["blue"]
            spouts:
              - id: "spout"
                className: "StormSharp.Flux.Tests.ConfiguredSpout"
                parallelism: 3
                numTasks: 6
                constructorArgs:
                  - "words"
                  - 12
                  - ["a", "b"]
                  - ref: "settings"
                properties:
                  - name: "rate"
                    value: 2.5
                  - name: "Mode"
                    value: "careful"
                configMethods:
                  - name: "withLabel"
                    args: ["top", 3]
            bolts:
              - id: "sink"
                className: "StormSharp.Flux.Tests.SinkBolt"
            streams:
              - from: "spout"
                to: "sink"
                grouping:
                  type: SHUFFLE
            """);

        var spout = Flux.Component<ConfiguredSpout>(flux, "spout");
        Assert.Equal(("words", 12), (spout.Name, spout.Count));
        Assert.Equal(["a", "b"], spout.Words);
        Assert.Equal("pre/7", spout.Prefix);
        Assert.Equal(["red", "blue"], spout.Tags);
        Assert.Equal(2.5, spout.Rate);
        Assert.Equal(Mode.Careful, spout.Mode);
        Assert.Equal(("top", 3), (spout.Label, spout.Weight));
        Assert.Equal(3, flux.Topology.ById["spout"].Parallelism);
        Assert.Equal(6, flux.Topology.ById["spout"].NumTasks);
    }

    [Fact]
    public void Load_OptionalConstructorParameters_TakeTheirDefaults()
    {
        var flux = Flux.Text("""
            name: "defaults"
            spouts:
              - id: "sentences"
                className: "StormSharp.Examples.WordCount.RandomSentenceSpout"
            bolts:
              - id: "report"
                className: "StormSharp.Examples.WordCount.TopWordsReporterBolt"
                constructorArgs: [5]
            streams:
              - from: "sentences"
                to: "report"
                grouping: {type: GLOBAL}
            """);

        Assert.IsType<RandomSentenceSpout>(Flux.Component<RandomSentenceSpout>(flux, "sentences"));
        Assert.Equal(5, flux.Topology.ById["report"].Config[Config.TopologyTickTupleFreqSecs]);
    }

    [Fact]
    public void Load_EveryGroupingType_WiredAsDeclared()
    {
        var flux = Flux.Text("""
            name: "groupings"
            spouts:
              - id: "s"
                className: "StormSharp.Flux.Tests.ConfiguredSpout"
                constructorArgs: ["n", 1]
            bolts:
              - {id: "shuffle", className: "StormSharp.Flux.Tests.SinkBolt"}
              - {id: "fields", className: "StormSharp.Flux.Tests.SinkBolt"}
              - {id: "all", className: "StormSharp.Flux.Tests.SinkBolt"}
              - {id: "global", className: "StormSharp.Flux.Tests.SinkBolt"}
              - {id: "none", className: "StormSharp.Flux.Tests.SinkBolt"}
              - {id: "direct", className: "StormSharp.Flux.Tests.SinkBolt"}
              - {id: "local", className: "StormSharp.Flux.Tests.SinkBolt"}
              - {id: "partial", className: "StormSharp.Flux.Tests.SinkBolt"}
              - {id: "custom", className: "StormSharp.Flux.Tests.SinkBolt"}
            streams:
              - {from: "s", to: "shuffle", grouping: {type: SHUFFLE}}
              - {from: "s", to: "fields", grouping: {type: FIELDS, fields: ["b"], streamId: "pairs"}}
              - {from: "s", to: "all", grouping: {type: ALL}}
              - {from: "s", to: "global", grouping: {type: GLOBAL, stream: "pairs"}}
              - {from: "s", to: "none", grouping: {type: NONE}}
              - {from: "s", to: "direct", grouping: {type: DIRECT, streamId: "direct"}}
              - {from: "s", to: "local", grouping: {type: local_or_shuffle}}
              - {from: "s", to: "partial", grouping: {type: PARTIAL_KEY, fields: ["word"]}}
              - name: "custom one"
                from: "s"
                to: "custom"
                grouping:
                  type: CUSTOM
                  customClass:
                    className: "StormSharp.Flux.Tests.FirstTaskGrouping"
                    constructorArgs: [1]
            """);

        InputDeclaration Input(string bolt) => Assert.Single(flux.Topology.ById[bolt].Inputs);
        Assert.Equal(GroupingType.Shuffle, Input("shuffle").Grouping.Type);
        Assert.Equal((GroupingType.Fields, "pairs"), (Input("fields").Grouping.Type, Input("fields").Stream.StreamId));
        Assert.Equal(["b"], Input("fields").Grouping.Fields!);
        Assert.Equal(GroupingType.All, Input("all").Grouping.Type);
        Assert.Equal((GroupingType.Global, "pairs"), (Input("global").Grouping.Type, Input("global").Stream.StreamId));
        Assert.Equal(GroupingType.None, Input("none").Grouping.Type);
        Assert.Equal((GroupingType.Direct, "direct"), (Input("direct").Grouping.Type, Input("direct").Stream.StreamId));
        Assert.Equal(GroupingType.LocalOrShuffle, Input("local").Grouping.Type);
        Assert.Equal(GroupingType.PartialKey, Input("partial").Grouping.Type);
        var custom = Input("custom").Grouping;
        Assert.Equal(GroupingType.Custom, custom.Type);
        Assert.Equal(1, ((FirstTaskGrouping)custom.Custom!.Instantiate(Flux.Types)).Offset);
    }

    [Fact]
    public void Load_Includes_MergedWithOverrideAsStormDoes()
    {
        File.WriteAllText(Path.Combine(_dir, "base.yaml"), """
            name: "from-base"
            config:
              topology.workers: 4
              topology.debug: true
            spouts:
              - id: "s"
                className: "StormSharp.Flux.Tests.ConfiguredSpout"
                constructorArgs: ["base", 1]
            bolts:
              - {id: "sink", className: "StormSharp.Flux.Tests.SinkBolt"}
            streams:
              - {from: "s", to: "sink", grouping: {type: SHUFFLE}}
            """);
        File.WriteAllText(Path.Combine(_dir, "override.yaml"), """
            config:
              topology.workers: 8
            spouts:
              - id: "s"
                className: "StormSharp.Flux.Tests.ConfiguredSpout"
                constructorArgs: ["override", 2]
            """);
        File.WriteAllText(Path.Combine(_dir, "main.yaml"), """
            name: "main"
            config:
              topology.workers: 1
            includes:
              - file: "base.yaml"
              - {file: "override.yaml", override: true}
            """);

        var flux = FluxLoader.Load(Path.Combine(_dir, "main.yaml"), new FluxOptions(), Flux.Types);

        Assert.Equal("main", flux.Name);
        Assert.Equal(8, flux.Config["topology.workers"]);
        Assert.Equal(true, flux.Config["topology.debug"]);
        Assert.Equal("override", Flux.Component<ConfiguredSpout>(flux, "s").Name);
        Assert.Single(flux.Topology.ById["sink"].Inputs);
    }

    [Fact]
    public void Load_ResourceInclude_FoundInThePackageResources()
    {
        var resources = Directory.CreateDirectory(Path.Combine(_dir, "resources")).FullName;
        File.WriteAllText(Path.Combine(resources, "shared.yaml"), "config:\n  shared.key: yes-from-resources\n");
        File.WriteAllText(Path.Combine(_dir, "main.yaml"), """
            name: "res"
            includes:
              - {resource: true, file: "shared.yaml"}
            spouts:
              - {id: "s", className: "StormSharp.Flux.Tests.ConfiguredSpout", constructorArgs: ["n", 1]}
            """);

        var flux = FluxLoader.Load(Path.Combine(_dir, "main.yaml"), new FluxOptions(ResourcesDirectory: resources), Flux.Types);

        Assert.Equal("yes-from-resources", flux.Config["shared.key"]);
    }

    [Fact]
    public void Load_FilterAndEnvironment_SubstitutedBeforeParsing()
    {
        var props = Path.Combine(_dir, "dev.properties");
        File.WriteAllText(props, "# a comment\nspout.name = from-filter\nworkers: 3\n");
        Environment.SetEnvironmentVariable("FLUX_TEST_LABEL", "from-env");
        var flux = Flux.Text("""
            name: "subst-${spout.name}"
            config:
              topology.workers: ${workers}
            spouts:
              - id: "s"
                className: "StormSharp.Flux.Tests.ConfiguredSpout"
                constructorArgs: ["${spout.name}", "${workers}"]
                configMethods:
                  - {name: "withLabel", args: ["${ENV-FLUX_TEST_LABEL}", 1]}
            """, new FluxOptions(FluxOptions.ReadProperties(props), EnvironmentFilter: true));

        Assert.Equal("subst-from-filter", flux.Name);
        Assert.Equal(3, flux.Config["topology.workers"]);
        var spout = Flux.Component<ConfiguredSpout>(flux, "s");
        Assert.Equal(("from-filter", 3, "from-env"), (spout.Name, spout.Count, spout.Label));
    }

    [Fact]
    public void Load_NoFilterGiven_PlaceholdersStayAsWritten()
    {
        var flux = Flux.Text("""
            name: "raw"
            spouts:
              - {id: "s", className: "StormSharp.Flux.Tests.ConfiguredSpout", constructorArgs: ["${not.filtered}", 1]}
            """);

        Assert.Equal("${not.filtered}", Flux.Component<ConfiguredSpout>(flux, "s").Name);
    }

    [Fact]
    public void Load_FluxShellBolt_DeclaresTheGivenFields()
    {
        var flux = Flux.Text("""
            name: "shell"
            spouts:
              - {id: "s", className: "StormSharp.Flux.Tests.ConfiguredSpout", constructorArgs: ["n", 1]}
            bolts:
              - id: "split"
                className: "StormSharp.Topology.FluxShellBolt"
                constructorArgs:
                  - ["python3", "splitsentence.py"]
                  - ["word"]
            streams:
              - {from: "s", to: "split", grouping: {type: SHUFFLE}}
            """);

        Assert.Equal(["word"], flux.Topology.ById["split"].Outputs[Utils.DefaultStreamId].Fields);
        Assert.Equal(["python3", "splitsentence.py"], Flux.Component<FluxShellBolt>(flux, "split").Command);
    }
}
