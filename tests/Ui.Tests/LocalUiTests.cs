using System.Reflection;
using System.Text.Json.Nodes;
using StormSharp.Cli;
using StormSharp.Ui.Tests.Infrastructure;
using StormSharp.ZooKeeper.Tests.Infrastructure;

namespace StormSharp.Ui.Tests;

/// <summary><c>storm local ... --ui PORT</c>: the same UI over a topology in local mode, no cluster needed.</summary>
[Collection(StormLocalCollection.Name)]
public sealed class LocalUiTests
{
    private static readonly string WordCountDll = typeof(LocalUiTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "WordCountTargetPath").Value!;

    [Fact]
    public async Task Local_WithUi_ServesTheTopologyItsLiveSeriesAndItsActions()
    {
        var port = Ports.Free();
        using var stdoutText = new StringWriter();
        using var stderrText = new StringWriter();
        var stdout = TextWriter.Synchronized(stdoutText);
        var stderr = TextWriter.Synchronized(stderrText);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var run = StormCommand.RunAsync(
            ["local", WordCountDll, "StormSharp.Examples.WordCount.WordCountTopology", "--local-ttl", "100", "--ui", port.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            stdout,
            stderr,
            stop.Token);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            var id = await LocalUiWait.TopologyAsync(http, run, stderrText, "word-count-");

            var topology = JsonNode.Parse(await http.GetStringAsync($"/api/v1/topology/{id}").Within("the topology"))!;
            Assert.Contains(topology["spouts"]!.AsArray(), s => s!["spoutId"]!.GetValue<string>() == "sentences");
            Assert.Equal(4, topology["spouts"]!.AsArray().Count + topology["bolts"]!.AsArray().Count);
            await Deadline.Until(
                async () => JsonNode.Parse(await http.GetStringAsync($"/api/v1/topology/{id}/series"))!["topology"]!["acked"]!.AsArray().Count(v => v!.GetValue<double>() > 0) >= 2,
                "two seconds of acks in the local topology's series",
                TimeSpan.FromSeconds(30));
            Assert.Contains("Spout", await http.GetStringAsync("/topology.html").Within("the topology page"), StringComparison.Ordinal);

            using (var deactivate = await http.PostAsync($"/api/v1/topology/{id}/deactivate", null).Within("deactivate"))
            {
                Assert.True(deactivate.IsSuccessStatusCode, await deactivate.Content.ReadAsStringAsync());
            }

            Assert.Equal("INACTIVE", JsonNode.Parse(await http.GetStringAsync($"/api/v1/topology/{id}").Within("the topology"))!["status"]!.GetValue<string>());
            using var rebalance = await http.PostAsync($"/api/v1/topology/{id}/rebalance/0", null).Within("rebalance");
            Assert.Equal(409, (int)rebalance.StatusCode);
            Assert.Contains("local mode", await rebalance.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        finally
        {
            await stop.CancelAsync();
            var code = await run.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(code == 0, $"storm local exited {code}: {stderrText}");
        }

        Assert.Contains($"UI at http://127.0.0.1:{port}/", stdoutText.ToString(), StringComparison.Ordinal);
    }
}
