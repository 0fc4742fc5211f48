namespace StormSharp.Flux.Tests;

/// <summary>Every mistake is refused before anything runs, naming the file's line and the reason.</summary>
public sealed class FluxErrorTests
{
    private const string Head = """
        name: "bad"
        spouts:
          - id: "s"
            className: "StormSharp.Flux.Tests.ConfiguredSpout"
            constructorArgs: ["n", 1]
        bolts:
          - id: "sink"
            className: "StormSharp.Flux.Tests.SinkBolt"

        """;

    public static TheoryData<string, int, string> Mistakes => new()
    {
        // Lines count from the file's first line; Head is lines 1-8.
        { Head + "streams:\n  - {from: \"nowhere\", to: \"sink\", grouping: {type: SHUFFLE}}\n", 10, "stream nowhere --> sink: 'nowhere' is not a spout or bolt of this topology (known: s, sink)" },
        { Head + "streams:\n  - {from: \"s\", to: \"ghost\", grouping: {type: SHUFFLE}}\n", 10, "stream s --> ghost: 'ghost' is not a bolt of this topology (known: sink)" },
        { Head + "streams:\n  - {from: \"sink\", to: \"s\", grouping: {type: SHUFFLE}}\n", 10, "stream sink --> s: 's' is a spout; streams go to bolts" },
        { Head + "streams:\n  - from: \"s\"\n    to: \"sink\"\n    grouping:\n      type: ROUND_ROBIN\n", 13, "unknown grouping type 'ROUND_ROBIN' (known: SHUFFLE, FIELDS, ALL, GLOBAL, NONE, DIRECT, LOCAL_OR_SHUFFLE, PARTIAL_KEY, CUSTOM)" },
        { Head + "streams:\n  - from: \"s\"\n    to: \"sink\"\n    grouping:\n      type: FIELDS\n", 13, "a FIELDS grouping needs fields" },
        { Head + "streams:\n  - from: \"s\"\n    to: \"sink\"\n    grouping:\n      type: FIELDS\n      fields: [\"nope\"]\n", 14, "stream 'default' of 's' has no field 'nope' (its fields: word)" },
        { Head + "streams:\n  - from: \"s\"\n    to: \"sink\"\n    grouping:\n      type: SHUFFLE\n      fields: [\"word\"]\n", 14, "fields apply to FIELDS and PARTIAL_KEY groupings, not SHUFFLE" },
        { Head + "streams:\n  - from: \"s\"\n    to: \"sink\"\n    grouping:\n      type: SHUFFLE\n      streamId: \"missing\"\n", 14, "'s' declares no stream 'missing' (it declares: default, direct, pairs)" },
        { Head + "streams:\n  - from: \"s\"\n    to: \"sink\"\n    grouping:\n      type: DIRECT\n", 13, "a DIRECT grouping needs a direct stream" },
        { Head + "streams:\n  - from: \"s\"\n    to: \"sink\"\n    grouping:\n      type: CUSTOM\n", 13, "a CUSTOM grouping needs customClass" },
        { Head + "streams:\n  - from: \"s\"\n    to: \"sink\"\n    grouping:\n      type: CUSTOM\n      customClass:\n        className: \"StormSharp.Flux.Tests.SinkBolt\"\n", 15, "custom grouping: StormSharp.Flux.Tests.SinkBolt is not an ICustomStreamGrouping" },
        { Head + "streams:\n  - from: \"s\"\n    to: \"sink\"\n", 10, "the stream s --> sink needs 'grouping'" },
        { "name: \"bad\"\nspouts:\n  - id: \"s\"\n    className: \"No.Such.Type\"\n", 4, "spout 's': unknown class 'No.Such.Type': no such type in the package" },
        { "name: \"bad\"\nspouts:\n  - id: \"s\"\n    className: \"StormSharp.Flux.Tests.ConfiguredSpout\"\n    constructorArgs: [\"n\", \"many\"]\n", 5, "spout 's': no constructor of ConfiguredSpout matches the constructorArgs: ConfiguredSpout(string, int): argument 2 (count, line 5): 'many' is not an int" },
        { "name: \"bad\"\nspouts:\n  - id: \"s\"\n    className: \"StormSharp.Flux.Tests.ConfiguredSpout\"\n    constructorArgs: [\"n\"]\n", 5, "spout 's': ConfiguredSpout has no public constructor taking 1 argument (it has ConfiguredSpout(string, int), ConfiguredSpout(string, int, String[], Settings))" },
        { "name: \"bad\"\nspouts:\n  - id: \"s\"\n    className: \"StormSharp.Flux.Tests.SinkBolt\"\n", 4, "spout 's': StormSharp.Flux.Tests.SinkBolt is not an ISpout" },
        { "name: \"bad\"\nbolts:\n  - id: \"b\"\n    className: \"StormSharp.Flux.Tests.Settings\"\n", 4, "bolt 'b': StormSharp.Flux.Tests.Settings is neither an IRichBolt nor an IBasicBolt" },
        { "name: \"bad\"\nspouts:\n  - id: \"s\"\n    className: \"StormSharp.Flux.Tests.ConfiguredSpout\"\n    constructorArgs: [\"n\", 1, [], {ref: \"missing\"}]\n", 5, "argument 4 (settings, line 5): ref 'missing' names no component" },
        { "name: \"bad\"\nspouts:\n  - id: \"s\"\n    className: \"StormSharp.Flux.Tests.ConfiguredSpout\"\n    constructorArgs: [\"n\", 1]\n    properties:\n      - {name: \"speed\", value: 3}\n", 7, "spout 's': ConfiguredSpout has no public settable property, field or SetSpeed method named 'speed'" },
        { "name: \"bad\"\nspouts:\n  - id: \"s\"\n    className: \"StormSharp.Flux.Tests.ConfiguredSpout\"\n    constructorArgs: [\"n\", 1]\n    properties:\n      - {name: \"rate\", value: \"fast\"}\n", 7, "spout 's': property rate: 'fast' is not a double" },
        { "name: \"bad\"\nspouts:\n  - id: \"s\"\n    className: \"StormSharp.Flux.Tests.ConfiguredSpout\"\n    constructorArgs: [\"n\", 1]\n    configMethods:\n      - {name: \"withColour\", args: [1]}\n", 7, "spout 's': ConfiguredSpout has no public method 'withColour'" },
        { "name: \"bad\"\nspouts:\n  - id: \"s\"\n    className: \"StormSharp.Flux.Tests.ConfiguredSpout\"\n    constructorArgs: [\"n\", 1]\n    configMethods:\n      - {name: \"withLabel\", args: [1]}\n", 7, "spout 's': no method ConfiguredSpout.withLabel takes 1 argument" },
        { "name: \"bad\"\nspouts:\n  - id: \"s\"\n    className: \"StormSharp.Flux.Tests.ConfiguredSpout\"\n    constructorArgs: [\"n\", 1]\n    paralelism: 2\n", 6, "a spout has an unknown key 'paralelism'" },
        { "name: \"bad\"\nspouts:\n  - id: \"s\"\n    className: \"StormSharp.Flux.Tests.ConfiguredSpout\"\n    constructorArgs: [\"n\", 1]\n    parallelism: 0\n", 6, "parallelism must be a whole number of at least 1, not '0'" },
        { "name: \"bad\"\nspouts:\n  - {id: \"s\", className: \"StormSharp.Flux.Tests.ConfiguredSpout\", constructorArgs: [\"n\", 1]}\n  - {id: \"s\", className: \"StormSharp.Flux.Tests.ConfiguredSpout\", constructorArgs: [\"n\", 1]}\n", 4, "'s' is defined twice among the spouts and bolts" },
        { "name: \"bad\"\nspoutz: []\n", 2, "a Flux file has an unknown key 'spoutz'" },
        { "name: \"bad\"\ntopologySource:\n  className: \"X\"\n", 2, "topologySource (a class that builds the topology) is not supported" },
        { "name: \"bad\"\nspouts:\n  - id: \"s\"\n    className: [\"list\"]\n", 4, "className must be a single value, not a list" },
        { "name: \"bad\"\nspouts: [\n", 3, "not valid YAML" },
        { "config:\n  topology.workers: 1\n", 0, "the topology needs a name" },
        { "name: \"bad\"\nincludes:\n  - file: \"not-there.yaml\"\n", 3, "the included file 'not-there.yaml' does not exist" },
    };

    [Theory]
    [MemberData(nameof(Mistakes))]
    public void Load_Mistake_RefusedWithLineAndReason(string yaml, int line, string reason)
    {
        var e = Flux.Refused(yaml);

        Assert.Equal(line, e.Line);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.StartsWith(line > 0 ? $"test.yaml:{line}: " : "test.yaml: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FilterLacksAProperty_RefusedWithItsLine()
    {
        var e = Flux.Refused("name: \"x\"\nconfig:\n  a: ${missing.key}\n", new FluxOptions(new Dictionary<string, string>()));

        Assert.Equal("test.yaml:3: ${missing.key}: the filter file has no property 'missing.key'", e.Message);
    }

    [Fact]
    public void Load_EnvironmentLacksAVariable_RefusedWithItsLine()
    {
        var e = Flux.Refused("name: \"x\"\n\nconfig:\n  a: ${ENV-FLUX_TEST_SURELY_UNSET_VARIABLE}\n", new FluxOptions(EnvironmentFilter: true));

        Assert.Equal("test.yaml:4: ${ENV-FLUX_TEST_SURELY_UNSET_VARIABLE}: the environment has no variable FLUX_TEST_SURELY_UNSET_VARIABLE (--env-filter)", e.Message);
    }

    [Fact]
    public void ReadProperties_LineNotAProperty_RefusedWithItsLine()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "a=1\n\njust words\n");
            var e = Assert.Throws<FluxException>(() => FluxOptions.ReadProperties(path));
            Assert.Equal(3, e.Line);
            Assert.Contains("'just words' is not a property (expected key=value)", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
