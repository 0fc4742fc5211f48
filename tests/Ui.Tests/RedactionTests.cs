using StormSharp.Integration.Tests.Infrastructure;
using StormSharp.Ui.Tests.Infrastructure;
using StormSharp.ZooKeeper.Tests.Infrastructure;

namespace StormSharp.Ui.Tests;

/// <summary>
/// A topology whose config holds a password, and a UI whose own config holds a token, on a real cluster: neither
/// value shows through any REST response or page of the UI, nor in the daemons' or the workers' logs.
/// </summary>
[Collection(StandaloneCollection.Name)]
public sealed class RedactionTests(StandaloneServerFixture zooKeeper)
{
    [Fact]
    public async Task TopologyWithADatabasePassword_NeverShowsItThroughTheUiOrTheLogs()
    {
        var password = "db-password-" + Guid.NewGuid().ToString("N");
        var uiToken = "ui-token-" + Guid.NewGuid().ToString("N");
        await using var rig = await UiRig.StartAsync(zooKeeper, new Dictionary<string, object?> { ["my.service.token"] = uiToken });
        rig.UiLog.Watch(password);
        rig.UiLog.Watch(uiToken);
        rig.Cluster.WatchDaemonLogs(password);
        var id = await rig.Cluster.SubmitWordCountAsync(2, "-c", $"my.db.password={password}", "-c", "my.db.password.file=/etc/db/password");
        await rig.Cluster.UntilAsync(
            async () =>
            {
                var info = await rig.Cluster.InfoAsync(id);
                return info.Workers.Count == 2 && ClusterRig.Component(info, "sentences").Acked > 20 && ClusterRig.Component(info, "count").Executed > 0;
            },
            "both workers to ack sentences and count words",
            ClusterRig.WorkerStart);

        // The masked values are there, so the test looks where they would be.
        var topology = await rig.GetAsync($"/api/v1/topology/{id}");
        Assert.Equal("*****", topology["configuration"]!["my.db.password"]!.GetValue<string>());
        Assert.Equal("/etc/db/password", topology["configuration"]!["my.db.password.file"]!.GetValue<string>());
        var cluster = await rig.GetAsync("/api/v1/cluster/configuration");
        Assert.Equal("*****", cluster["my.service.token"]!.GetValue<string>());

        string[] paths =
        [
            $"/api/v1/topology/{id}",
            $"/api/v1/topology/{id}?window=600&sys=true",
            $"/api/v1/topology/{id}/metrics",
            $"/api/v1/topology/{id}/component/sentences",
            $"/api/v1/topology/{id}/component/count",
            $"/api/v1/topology/{id}/visualization",
            $"/api/v1/topology/{id}/lag",
            $"/api/v1/topology-workers/{id}",
            "/api/v1/topology/summary",
            "/api/v1/cluster/configuration",
            "/api/v1/cluster/summary",
            "/api/v1/supervisor/summary",
            "/index.html",
            $"/topology.html?id={Uri.EscapeDataString(id)}",
            $"/component.html?topology_id={Uri.EscapeDataString(id)}&id=count",
        ];
        foreach (var path in paths)
        {
            using var response = await rig.Http.GetAsync(path).Within("GET " + path, TimeSpan.FromSeconds(20));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}: {text}");
            Assert.DoesNotContain(password, text, StringComparison.Ordinal);
            Assert.DoesNotContain(uiToken, text, StringComparison.Ordinal);
        }

        Assert.Equal(0, rig.UiLog.WatchedHits);
        Assert.Equal(0, rig.Cluster.DaemonLogHits);
        Assert.DoesNotContain(password, rig.Cluster.AllWorkerLogs(), StringComparison.Ordinal);
    }
}
