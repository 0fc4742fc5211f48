using Microsoft.Extensions.Logging;
using StormSharp.Runtime.Configuration;
using StormSharp.ZooKeeper.Tests.Infrastructure;

namespace StormSharp.Ui.Tests;

/// <summary><c>/metrics</c> of one UI is its own, whatever other UIs the same process starts and stops.</summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task Metrics_AnotherUiInTheProcessStartsAndStops_ThisUiStillExportsEveryInstrument()
    {
        await using var first = await StartAsync();
        await using var second = await StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{second.Port}"), Timeout = TimeSpan.FromSeconds(30) };
        Assert.Contains("storm_cluster_slots_total", await http.GetStringAsync("/metrics").Within("a scrape with both UIs up"), StringComparison.Ordinal);

        await first.StopAsync(CancellationToken.None).Within("the first UI to stop");
        await using var third = await StartAsync();
        await third.StopAsync(CancellationToken.None).Within("the third UI to stop");

        // The exporter collects a stopped instrument one last time, and caches a scrape for a moment: look past both.
        var scraped = string.Empty;
        for (var scrape = 0; scrape < 3; scrape++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            scraped = await http.GetStringAsync("/metrics").Within("a scrape after the others stopped");
        }

        Assert.Contains("# TYPE storm_cluster_slots_total gauge", scraped, StringComparison.Ordinal);
        Assert.Contains("storm_cluster_supervisors", scraped, StringComparison.Ordinal);
        Assert.Contains("storm_cluster_topologies", scraped, StringComparison.Ordinal);
    }

    /// <summary>A UI reading a Nimbus that is not there: its gauges still export the (empty) cluster.</summary>
    private static Task<UiServer> StartAsync() =>
        UiServer.StartAsync(
            new Dictionary<string, object?>(ConfigLoader.Defaults)
            {
                ["nimbus.seeds"] = new List<object?> { "127.0.0.1" },
                ["nimbus.thrift.port"] = Ports.Free(),
                ["ui.host"] = "127.0.0.1",
                ["ui.port"] = 0,
            },
            LoggerFactory.Create(_ => { }),
            CancellationToken.None).Within("a UI to start");
}
