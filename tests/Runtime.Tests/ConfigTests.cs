using StormSharp.Runtime.Configuration;
using StormSharp.Topology;

namespace StormSharp.Runtime.Tests;

public sealed class ConfigTests
{
    [Fact]
    public void Defaults_HaveStormKeys()
    {
        var d = ConfigLoader.Defaults;
        Assert.Equal(30, d[Config.TopologyMessageTimeoutSecs]);
        Assert.Equal(1, d[Config.TopologyWorkers]);
        Assert.Null(d[Config.TopologyMaxSpoutPending]);
        Assert.Null(d[Config.TopologyAckerExecutors]);
        Assert.Equal(8080, d["ui.port"]);
        Assert.Equal(new List<object?> { 6700, 6701, 6702, 6703 }, d["supervisor.slots.ports"]);
    }

    [Fact]
    public void Parse_PlainScalars_Typed_QuotedStayStrings()
    {
        var conf = ConfigLoader.Parse(new StringReader("""
            a: 5
            b: 5000000000
            c: 1.5
            d: true
            e: null
            f: "5"
            g: hello
            h: [1, "x"]
            i: { k: 2 }
            """));
        Assert.Equal(5, conf["a"]);
        Assert.Equal(5_000_000_000L, conf["b"]);
        Assert.Equal(1.5, conf["c"]);
        Assert.Equal(true, conf["d"]);
        Assert.Null(conf["e"]);
        Assert.Equal("5", conf["f"]);
        Assert.Equal("hello", conf["g"]);
        Assert.Equal(new List<object?> { 1, "x" }, conf["h"]);
        Assert.Equal(2, ((Dictionary<string, object?>)conf["i"]!)["k"]);
    }

    [Fact]
    public void Load_StormYaml_OverridesDefaults()
    {
        var dir = Directory.CreateTempSubdirectory("stormsharp-conf-");
        try
        {
            var path = Path.Combine(dir.FullName, "storm.yaml");
            File.WriteAllText(path, "topology.message.timeout.secs: 7\nnimbus.seeds: [\"10.0.0.1\"]\n");
            var conf = ConfigLoader.Load(path);
            Assert.Equal(7, conf[Config.TopologyMessageTimeoutSecs]);
            Assert.Equal(new List<object?> { "10.0.0.1" }, conf["nimbus.seeds"]);
            Assert.Equal(1, conf[Config.TopologyWorkers]);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public void ParseFile_Malformed_NamesFileAndLine()
    {
        var dir = Directory.CreateTempSubdirectory("stormsharp-conf-");
        try
        {
            var path = Path.Combine(dir.FullName, "storm.yaml");
            File.WriteAllText(path, "a: 1\nb: [unclosed\nc: 2\n");
            var e = Assert.Throws<FormatException>(() => ConfigLoader.ParseFile(path));
            Assert.StartsWith(path + ":", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public void ParseFile_NotAMapping_IsRefused()
    {
        var e = Assert.Throws<FormatException>(() => ConfigLoader.Parse(new StringReader("- a\n- b\n")));
        Assert.Contains("mapping", e.Message, StringComparison.Ordinal);
    }
}
