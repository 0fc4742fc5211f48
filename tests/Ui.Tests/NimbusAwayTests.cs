using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using StormSharp.Runtime.Configuration;
using StormSharp.ZooKeeper.Tests.Infrastructure;

namespace StormSharp.Ui.Tests;

/// <summary>The UI with no Nimbus to read: the pages still load, the API says 503 with Storm's error body.</summary>
public sealed class NimbusAwayTests
{
    [Fact]
    public async Task Api_WithNimbusUnreachable_Answers503WithStormsErrorBodyAndServesThePages()
    {
        var closedPort = Ports.Free();
        await using var ui = await UiServer.StartAsync(
            new Dictionary<string, object?>(ConfigLoader.Defaults)
            {
                ["nimbus.seeds"] = new List<object?> { "127.0.0.1" },
                ["nimbus.thrift.port"] = closedPort,
                ["ui.host"] = "127.0.0.1",
                ["ui.port"] = 0,
            },
            LoggerFactory.Create(_ => { }),
            CancellationToken.None).Within("the UI to start");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ui.Port}"), Timeout = TimeSpan.FromSeconds(30) };

        using var response = await http.GetAsync("/api/v1/cluster/summary").Within("the cluster summary", TimeSpan.FromSeconds(30));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(503, (int)response.StatusCode);
        Assert.Equal("503 Service Unavailable", body["error"]!.GetValue<string>());
        Assert.Contains("Nimbus", body["errorMessage"]!.GetValue<string>(), StringComparison.Ordinal);

        var index = await http.GetStringAsync("/").Within("the cluster page");
        Assert.Contains("Cluster Summary", index, StringComparison.Ordinal);
        Assert.Contains("highcharts", await http.GetStringAsync("/topology.html").Within("the topology page"), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Highcharts JS v12.4.0", await http.GetStringAsync("/vendor/highcharts/highcharts.js").Within("Highcharts"), StringComparison.Ordinal);
        Assert.Contains("Highsoft", await http.GetStringAsync("/vendor/highcharts/LICENSE.txt").Within("Highcharts' licence"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UiHost_AHostName_BindsItsAddressAndAnUnknownNameIsRefusedNamingTheKey()
    {
        await using var ui = await UiServer.StartAsync(Conf("localhost"), LoggerFactory.Create(_ => { }), CancellationToken.None).Within("the UI to start");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ui.Port}"), Timeout = TimeSpan.FromSeconds(30) };
        Assert.Contains("Cluster Summary", await http.GetStringAsync("/").Within("the cluster page by the name's address"), StringComparison.Ordinal);

        var refused = await Assert.ThrowsAsync<ConfigurationException>(() => UiServer.StartAsync(Conf("no-such-host.invalid"), LoggerFactory.Create(_ => { }), CancellationToken.None)).Within("the refusal");
        Assert.Contains("'ui.host'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("no-such-host.invalid", refused.Message, StringComparison.Ordinal);
    }

    private static Dictionary<string, object?> Conf(string host) => new(ConfigLoader.Defaults)
    {
        ["nimbus.seeds"] = new List<object?> { "127.0.0.1" },
        ["nimbus.thrift.port"] = Ports.Free(),
        ["ui.host"] = host,
        ["ui.port"] = 0,
    };
}
