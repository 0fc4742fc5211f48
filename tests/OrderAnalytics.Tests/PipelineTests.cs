using Microsoft.Playwright;

namespace StormSharp.OrderAnalytics.Tests;

/// <summary>
/// The flagship pipeline end to end, through its one command: librdkafka's mock cluster, a real redis-server, the
/// generator, the topology in local mode and the dashboard. The tests run one after another (one class), so builds of
/// the example never overlap.
/// </summary>
public sealed class PipelineTests
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(6);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Run_For20Seconds_CountsEveryValidOrderExactlyOnce(bool chaos)
    {
        using var pipeline = chaos ? new PipelineProcess("--seconds", "20", "--chaos") : new PipelineProcess("--seconds", "20");
        var (code, values) = await pipeline.WaitAsync(RunTimeout);

        Assert.True(code == 0, $"run exited with {code}:\n{pipeline.Output}");
        Assert.True(long.Parse(values["pipeline.orders_valid"], System.Globalization.CultureInfo.InvariantCulture) > 1000, pipeline.Output);
        Assert.True(long.Parse(values["pipeline.orders_invalid"], System.Globalization.CultureInfo.InvariantCulture) > 0, pipeline.Output);
        Assert.Equal(values["pipeline.orders_valid"], values["pipeline.orders_counted"]);
        Assert.Equal(values["pipeline.orders_invalid"], values["pipeline.invalid_counted"]);
        Assert.Equal(values["pipeline.revenue_produced"], values["pipeline.revenue_counted"]);
        Assert.Equal("0", values["pipeline.missing"]);
        Assert.Equal("0", values["pipeline.double_counted"]);
        if (chaos)
        {
            Assert.Contains("chaos: killing the topology", pipeline.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Run_OnADevelopmentCluster_WithAWorkerKilled_CountsEveryValidOrderExactlyOnce()
    {
        await using var cluster = await DevelopmentCluster.UpAsync(TimeSpan.FromMinutes(4));
        using var pipeline = new PipelineProcess(
            new Dictionary<string, string>(cluster.Environment) { ["STORM_CONF_DIR"] = cluster.ConfDir },
            "--cluster", "--seconds", "20", "--chaos");
        var (code, values) = await pipeline.WaitAsync(RunTimeout);

        Assert.True(code == 0, $"run exited with {code}:\n{pipeline.Output}");
        Assert.Contains("submitted to the cluster", pipeline.Output, StringComparison.Ordinal);
        Assert.Contains("chaos: SIGKILLed worker process", pipeline.Output, StringComparison.Ordinal);
        Assert.True(long.Parse(values["pipeline.orders_valid"], System.Globalization.CultureInfo.InvariantCulture) > 1000, pipeline.Output);
        Assert.Equal(values["pipeline.orders_valid"], values["pipeline.orders_counted"]);
        Assert.Equal(values["pipeline.orders_invalid"], values["pipeline.invalid_counted"]);
        Assert.Equal(values["pipeline.revenue_produced"], values["pipeline.revenue_counted"]);
        Assert.Equal("0", values["pipeline.missing"]);
        Assert.Equal("0", values["pipeline.double_counted"]);

        // The run killed its topology on the way out: its supervisors stop its workers once Nimbus removes it.
        var gone = System.Diagnostics.Stopwatch.StartNew();
        while (StormSharp.Tests.Shared.WorkerProcesses.Under(cluster.Folder).Count > 0 && gone.Elapsed < TimeSpan.FromSeconds(90))
        {
            await Task.Delay(500);
        }

        Assert.Empty(StormSharp.Tests.Shared.WorkerProcesses.Under(cluster.Folder));
    }

    [Fact]
    public async Task Dashboard_InHeadlessChromium_ShowsChartsWithPoints()
    {
        Assert.True(File.Exists("/usr/bin/chromium"), "chromium is not installed; run deploy/install-deps chromium");
        using var pipeline = new PipelineProcess("--seconds", "120");
        var url = await pipeline.DashboardUrl.WaitAsync(RunTimeout);
        Assert.StartsWith("http://127.0.0.1:", url, StringComparison.Ordinal);
        var profile = Directory.CreateTempSubdirectory("stormsharp-chromium-");
        try
        {
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchPersistentContextAsync(profile.FullName, new BrowserTypeLaunchPersistentContextOptions
            {
                ExecutablePath = "/usr/bin/chromium",
                Headless = true,
                Timeout = 60_000,
                Args =
                [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                ],
            });
            // The profile directory is a fresh one (Playwright passes it to chromium as --user-data-dir).
            var page = await browser.NewPageAsync();
            var outside = 0;
            page.Request += (_, r) =>
            {
                if (!r.Url.StartsWith("http://127.0.0.1:", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref outside);
                }
            };
            await page.GotoAsync(url, new PageGotoOptions { Timeout = 30_000 });

            // Highcharts draws one path per series; the page fills them from /api/stats every second.
            await page.WaitForFunctionAsync(
                "() => window.Highcharts && Highcharts.charts.length === 3 && Highcharts.charts[0].series[0].points.length > 1 "
                + "&& Highcharts.charts[1].series[0].points.length > 0 && Highcharts.charts[2].series[0].points.length > 0",
                null,
                new PageWaitForFunctionOptions { Timeout = 60_000, PollingInterval = 250 });
            var orders = await page.TextContentAsync("#orders");
            Assert.True(long.Parse(orders!, System.Globalization.CultureInfo.InvariantCulture) > 0, "the page shows counted orders");
            Assert.Equal(0, outside);
            Assert.Equal(3, await page.Locator(".highcharts-container").CountAsync());
        }
        finally
        {
            pipeline.Interrupt();
            var (code, values) = await pipeline.WaitAsync(RunTimeout);
            profile.Delete(recursive: true);
            Assert.True(code == 0, $"run exited with {code} after Ctrl-C:\n{pipeline.Output}");
            Assert.Equal(values["pipeline.orders_valid"], values["pipeline.orders_counted"]);
        }
    }
}
