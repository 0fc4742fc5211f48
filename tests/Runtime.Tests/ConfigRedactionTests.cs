using System.Text.Json.Nodes;
using StormSharp.Runtime.Configuration;

namespace StormSharp.Runtime.Tests;

public sealed class ConfigRedactionTests
{
    [Theory]
    [InlineData("my.db.password")]
    [InlineData("kafka.sasl.password")]
    [InlineData("storm.auth.secret")]
    [InlineData("storm.auth.worker.token")]
    [InlineData("storm.auth.token")]
    [InlineData("redis.key")]
    [InlineData("aws.accessKey")]
    [InlineData("AWS.SECRET")]
    [InlineData("password")]
    [InlineData("storm.zookeeper.auth.payload")]
    [InlineData("storm.zookeeper.topology.auth.payload")]
    public void IsSecret_KeysEndingInASecretWord_AreSecret(string key) => Assert.True(ConfigRedaction.IsSecret(key), key);

    [Theory]
    [InlineData("storm.tls.key.path")]
    [InlineData("storm.auth.secret.file")]
    [InlineData("storm.tls.client.key.path")]
    [InlineData("topology.message.timeout.secs")]
    [InlineData("storm.auth.scheme")]
    [InlineData("kafka.topic")]
    [InlineData("password.policy")]
    public void IsSecret_PathsAndOrdinaryKeys_AreNotSecret(string key) => Assert.False(ConfigRedaction.IsSecret(key), key);

    [Fact]
    public void Redact_Dictionary_MasksSecretsAndNestedOnesAndLeavesTheOriginal()
    {
        var conf = new Dictionary<string, object?>
        {
            ["my.db.password"] = "hunter2",
            ["storm.auth.secret"] = 12345,
            ["storm.auth.token"] = null,
            ["storm.tls.key.path"] = "/etc/storm/key.pem",
            ["topology.workers"] = 2,
            ["kafka.config"] = new Dictionary<string, object?> { ["sasl.password"] = "inner", ["bootstrap.servers"] = "127.0.0.1:9092" },
            ["list"] = new List<object?> { new Dictionary<string, object?> { ["api.key"] = "k" }, "plain" },
        };

        var shown = ConfigRedaction.Redact(conf);

        Assert.Equal(ConfigRedaction.Mask, shown["my.db.password"]);
        Assert.Equal(ConfigRedaction.Mask, shown["storm.auth.secret"]);
        Assert.Null(shown["storm.auth.token"]);
        Assert.Equal("/etc/storm/key.pem", shown["storm.tls.key.path"]);
        Assert.Equal(2, shown["topology.workers"]);
        var kafka = Assert.IsType<Dictionary<string, object?>>(shown["kafka.config"]);
        Assert.Equal(ConfigRedaction.Mask, kafka["sasl.password"]);
        Assert.Equal("127.0.0.1:9092", kafka["bootstrap.servers"]);
        var list = Assert.IsType<List<object?>>(shown["list"]);
        Assert.Equal(ConfigRedaction.Mask, Assert.IsType<Dictionary<string, object?>>(list[0])["api.key"]);
        Assert.Equal("plain", list[1]);
        Assert.Equal("hunter2", conf["my.db.password"]);
        Assert.Equal("inner", ((Dictionary<string, object?>)conf["kafka.config"]!)["sasl.password"]);
    }

    [Fact]
    public void RedactJson_MasksSecretsAtEveryDepth()
    {
        var json = """{"my.db.password":"hunter2","n":{"Redis.Key":["a","b"],"ok":1},"storm.tls.key.path":"k.pem","x":null}""";

        var shown = JsonNode.Parse(ConfigRedaction.RedactJson(json))!.AsObject();

        Assert.DoesNotContain("hunter2", shown.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(ConfigRedaction.Mask, shown["my.db.password"]!.GetValue<string>());
        Assert.Equal(ConfigRedaction.Mask, shown["n"]!["Redis.Key"]!.GetValue<string>());
        Assert.Equal(1, shown["n"]!["ok"]!.GetValue<int>());
        Assert.Equal("k.pem", shown["storm.tls.key.path"]!.GetValue<string>());
        Assert.Null(shown["x"]);
    }

    [Fact]
    public void RedactJson_NotJson_ShowsNothing() => Assert.Equal("{}", ConfigRedaction.RedactJson("password: hunter2"));

    [Fact]
    public void ConfigurationProblem_WithASecretOfTheWrongType_DoesNotShowTheValue()
    {
        var conf = new Dictionary<string, object?>(ConfigLoader.Defaults) { [ClusterKeys.AuthSecret] = 123456789012345 };

        var e = Assert.Throws<ConfigurationException>(() => ClusterOptions.From(conf, Path.GetTempPath()));

        Assert.Contains(ClusterKeys.AuthSecret, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("123456789012345", e.Message, StringComparison.Ordinal);
    }
}
