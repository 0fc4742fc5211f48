using System.Text.RegularExpressions;
using Microsoft.Playwright;
using StormSharp.Integration.Tests.Infrastructure;
using StormSharp.Ui.Tests.Infrastructure;
using StormSharp.ZooKeeper.Tests.Infrastructure;

namespace StormSharp.Ui.Tests;

/// <summary>
/// The pages in a real browser (Debian's Chromium, headless) against a real cluster running WordCount: what an
/// operator sees and does. Screenshots of the cluster, topology and component pages go to <c>screenshots/</c> in the
/// test output.
/// </summary>
[Collection(StandaloneCollection.Name)]
public sealed partial class BrowserTests(StandaloneServerFixture zooKeeper)
{
    private static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "screenshots");

    [Fact]
    public async Task Pages_OnARunningCluster_ShowTheTopologyLiveChartsActionsAndLogsWithoutConsoleErrors()
    {
        Directory.CreateDirectory(Screenshots);

        // The machines these run on are shared and often loaded: give each page step time, every wait still bounded.
        Assertions.SetDefaultExpectTimeout(20_000);
        await using var rig = await UiRig.StartAsync(zooKeeper);
        var id = await rig.Cluster.SubmitWordCountAsync(workers: 2);
        await rig.Cluster.UntilAsync(
            async () =>
            {
                var info = await rig.Cluster.InfoAsync(id);
                return info.Workers.Count == 2 && info.Workers.All(w => w.HeartbeatAgeMs >= 0) && ClusterRig.Component(info, "sentences").Acked > 20;
            },
            "both workers to heartbeat with sentences acked",
            ClusterRig.WorkerStart);

        await using var browser = await Browser.LaunchAsync();
        var problems = new List<string>();
        var page = await browser.Context.NewPageAsync();
        page.Console += (_, m) =>
        {
            if (m.Type is "error" or "warning")
            {
                lock (problems)
                {
                    problems.Add($"{m.Type} on {page.Url}: {m.Text}");
                }
            }
        };
        page.PageError += (_, e) =>
        {
            lock (problems)
            {
                problems.Add($"page error on {page.Url}: {e}");
            }
        };
        page.Dialog += async (_, d) => await d.AcceptAsync(d.Type == "prompt" ? "0" : null);

        // The cluster page lists the topology and the supervisor.
        await page.GotoAsync(new Uri(rig.Address, "/").ToString());
        var topologyLink = page.Locator("#topologies a", new() { HasText = "word-count" });
        await topologyLink.WaitForAsync();
        await Assertions.Expect(page.Locator("#supervisors")).ToContainTextAsync(rig.Cluster.Supervisor("a").Id);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "cluster.png"), FullPage = true });

        // The topology page: its components, and live charts whose points grow.
        await topologyLink.ClickAsync();
        await Assertions.Expect(page.Locator("#spouts")).ToContainTextAsync("sentences");
        await Assertions.Expect(page.Locator("#bolts")).ToContainTextAsync("count");
        await Assertions.Expect(page.Locator("#bolts")).ToContainTextAsync("split");
        await Assertions.Expect(page.Locator("#live-status")).ToContainTextAsync("live");
        await Assertions.Expect(page.Locator("#graph svg circle")).ToHaveCountAsync(4);
        var first = await PointsAsync(page);
        await UntilAsync(async () => await PointsAsync(page) >= first + 3, $"the topology's throughput chart to grow by 3 points from {first}");
        Assert.True(await MaxAsync(page, 0, 1) > 0, "the acked series shows tuples per second");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "topology.png"), FullPage = true });

        // Deactivate from the page: asked to confirm, the result shown, the status INACTIVE.
        await page.ClickAsync("#deactivate");
        await Assertions.Expect(page.Locator("#action-result")).ToContainTextAsync("deactivate: success");
        await Assertions.Expect(page.Locator("#summary")).ToContainTextAsync("INACTIVE");
        Assert.Equal("INACTIVE", (await rig.Cluster.InfoAsync(id)).Summary.Status);
        await page.ClickAsync("#activate");
        await Assertions.Expect(page.Locator("#summary")).ToContainTextAsync("ACTIVE");
        await Assertions.Expect(page.Locator("#summary")).Not.ToContainTextAsync("INACTIVE");

        // The component page: executors and their live charts.
        await page.Locator("#bolts a", new() { HasText = "count" }).ClickAsync();
        await Assertions.Expect(page.Locator("#executors tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#live-status")).ToContainTextAsync("live");
        var executorPoints = await PointsAsync(page);
        await UntilAsync(async () => await PointsAsync(page) > executorPoints, $"the executed-per-second chart to grow from {executorPoints} points");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "component.png"), FullPage = true });

        // The supervisor page lists its workers.
        await page.GotoAsync(new Uri(rig.Address, "/supervisor.html?id=" + Uri.EscapeDataString(rig.Cluster.Supervisor("a").Id)).ToString());
        await Assertions.Expect(page.Locator("#workers tbody tr")).ToHaveCountAsync(2);

        // A worker's log, from the component page's link: its tail, then a search within it.
        // The executors table is redrawn every few seconds: a click that lands as its link is replaced goes nowhere, so it
        // is clicked again (the same link) until the log page opens.
        await page.GoBackAsync();
        var logPage = new Regex($"^http://127\\.0\\.0\\.1:{rig.Logviewer.Port}/log\\?file=");
        await UntilAsync(
            async () =>
            {
                await page.Locator("#executors a.log-link").First.ClickAsync();
                try
                {
                    await page.WaitForURLAsync(logPage, new() { WaitUntil = WaitUntilState.DOMContentLoaded, Timeout = 5_000 });
                    return true;
                }
                catch (TimeoutException)
                {
                    return false;
                }
            },
            "a worker's log link to open the log viewer");
        await Assertions.Expect(page.Locator("#position")).ToContainTextAsync("bytes");
        var content = await page.Locator("#content").InnerTextAsync();
        Assert.Contains(id, content, StringComparison.Ordinal);
        await page.FillAsync("#search", id);
        await page.ClickAsync("#search-form button");
        await Assertions.Expect(page.Locator("#matches .match").First).ToBeVisibleAsync();

        // Every page so far, without a console error or warning.
        lock (problems)
        {
            Assert.True(problems.Count == 0, "console errors or warnings:\n" + string.Join('\n', problems));
        }

        // The UI restarts while the topology page stays open: its event stream reconnects, and the charts get their
        // history back from Nimbus (the UI keeps none). The reset of the old stream is logged by the browser, as it
        // should be, so messages from here on are not counted.
        await page.GotoAsync(new Uri(rig.Address, "/topology.html?id=" + Uri.EscapeDataString(id)).ToString());
        await Assertions.Expect(page.Locator("#live-status")).ToContainTextAsync("live");
        var before = await PointsAsync(page);
        await rig.RestartUiAsync();
        await UntilAsync(async () => await page.EvaluateAsync<int>("() => live.histories") >= 2, "the page's event stream to reconnect and load the history again");
        var after = await PointsAsync(page);
        Assert.True(after >= before, $"after the restart the chart has the history back ({after} points, {before} before)");
        await page.CloseAsync();
    }

    /// <summary>Points of the first series of the page's first chart.</summary>
    private static Task<int> PointsAsync(IPage page) =>
        page.EvaluateAsync<int>("() => { const c = Highcharts.charts.filter(Boolean)[0]; return c ? c.series[0].points.length : 0; }");

    private static Task<double> MaxAsync(IPage page, int chart, int series) =>
        page.EvaluateAsync<double>($"() => Math.max(0, ...Highcharts.charts.filter(Boolean)[{chart}].series[{series}].points.map(p => p.y))");

    private static Task UntilAsync(Func<Task<bool>> condition, string what) => Deadline.Until(condition, what, TimeSpan.FromSeconds(30));
}
