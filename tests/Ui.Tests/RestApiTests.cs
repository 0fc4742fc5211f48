using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using StormSharp.Integration.Tests.Infrastructure;
using StormSharp.Ui.Tests.Infrastructure;
using StormSharp.ZooKeeper.Tests.Infrastructure;
using static StormSharp.Ui.Tests.Fields;

namespace StormSharp.Ui.Tests;

/// <summary>
/// Storm's UI REST API against a real cluster (ZooKeeper, Nimbus, a supervisor, worker processes running WordCount),
/// read through the UI as a Storm REST client would: paths, parameters, field names and value types.
/// </summary>
[Collection(StandaloneCollection.Name)]
public sealed class RestApiTests(StandaloneServerFixture zooKeeper)
{
    [Fact]
    public async Task RestApi_OnARunningCluster_AnswersStormsPathsWithStormsFieldsAndActionsChangeTheStatus()
    {
        await using var rig = await UiRig.StartAsync(zooKeeper);
        var id = await rig.Cluster.SubmitWordCountAsync(workers: 2);
        await rig.Cluster.UntilAsync(
            async () =>
            {
                var info = await rig.Cluster.InfoAsync(id);
                return info.Workers.Count == 2 && info.Workers.All(w => w.HeartbeatAgeMs >= 0) && ClusterRig.Component(info, "sentences").Acked > 20
                    && ClusterRig.Component(info, "count").Executed > 0;
            },
            "both workers to heartbeat with sentences acked and words counted",
            ClusterRig.WorkerStart);

        // Cluster, Nimbus, supervisors.
        var config = await rig.GetAsync("/api/v1/cluster/configuration");
        Check(config, "configuration", ("ui.port", N), ("nimbus.seeds", A), ("topology.message.timeout.secs", N), ("storm.zookeeper.root", S));

        var cluster = await rig.GetAsync("/api/v1/cluster/summary");
        Check(cluster, "cluster summary", ("stormVersion", S), ("supervisors", N), ("topologies", N), ("slotsTotal", N), ("slotsUsed", N), ("slotsFree", N),
            ("executorsTotal", N), ("tasksTotal", N), ("schedulerDisplayResource", B), ("totalMem", N), ("totalCpu", N), ("availMem", N), ("availCpu", N),
            ("memAssignedPercentUtil", N), ("cpuAssignedPercentUtil", N));
        Assert.Equal(1, Num(cluster["supervisors"]));
        Assert.Equal(2, Num(cluster["slotsTotal"]));
        Assert.Equal(2, Num(cluster["slotsUsed"]));
        Assert.Equal(0, Num(cluster["slotsFree"]));
        Assert.Equal(1, Num(cluster["topologies"]));

        var nimbuses = await rig.GetAsync("/api/v1/nimbus/summary");
        var leader = One(nimbuses["nimbuses"], n => Str(n["status"]) == "Leader", "leading Nimbus");
        Check(leader, "nimbus", ("host", S), ("port", N), ("status", S), ("nimbusUpTime", S), ("nimbusUpTimeSeconds", S), ("nimbusLogLink", S), ("version", S));
        Assert.Equal(rig.Cluster.Nimbus.Port, Num(leader["port"]));

        var supervisors = await rig.GetAsync("/api/v1/supervisor/summary");
        var supervisor = One(supervisors["supervisors"], _ => true, "supervisor");
        Check(supervisor, "supervisor", ("id", S), ("host", S), ("uptime", S), ("uptimeSeconds", N), ("slotsTotal", N), ("slotsUsed", N),
            ("totalMem", N), ("totalCpu", N), ("usedMem", N), ("usedCpu", N), ("version", S));
        Assert.Equal(rig.Cluster.Supervisor("a").Id, Str(supervisor["id"]));

        var one = await rig.GetAsync("/api/v1/supervisor?id=" + Uri.EscapeDataString(Str(supervisor["id"])));
        Assert.Single(one["supervisors"]!.AsArray());
        Assert.Equal(2, one["workers"]!.AsArray().Count);
        var worker = One(one["workers"], _ => true, "worker");
        Check(worker, "worker", ("supervisorId", S), ("host", S), ("port", N), ("topologyId", S), ("topologyName", S), ("executorsTotal", N),
            ("assignedMemOnHeap", N), ("assignedMemOffHeap", N), ("assignedCpu", N), ("componentNumTasks", O), ("uptime", S), ("uptimeSeconds", N), ("workerLogLink", S));
        Assert.StartsWith($"http://127.0.0.1:{rig.Logviewer.Port}/log?file=" + Uri.EscapeDataString(id + "/"), Str(worker["workerLogLink"]), StringComparison.Ordinal);

        // Topologies.
        var summary = await rig.GetAsync("/api/v1/topology/summary");
        var listed = One(summary["topologies"], t => Str(t["id"]) == id, "the topology");
        Check(listed, "topology summary", ("id", S), ("name", S), ("status", S), ("uptime", S), ("uptimeSeconds", N), ("tasksTotal", N), ("workersTotal", N),
            ("executorsTotal", N), ("replicationCount", N), ("requestedMemOnHeap", N), ("assignedTotalMem", N), ("assignedCpu", N));
        Assert.Equal("word-count", Str(listed["name"]));
        Assert.Equal("ACTIVE", Str(listed["status"]));
        Assert.Equal(2, Num(listed["workersTotal"]));

        var topology = await rig.GetAsync($"/api/v1/topology/{id}?window=600");
        Check(topology, "topology", ("id", S), ("name", S), ("uptime", S), ("uptimeSeconds", N), ("status", S), ("tasksTotal", N), ("workersTotal", N),
            ("executorsTotal", N), ("msgTimeout", N), ("windowHint", S), ("window", S), ("schedulerDisplayResource", B), ("replicationCount", N), ("debug", B),
            ("topologyStats", A), ("workers", A), ("spouts", A), ("bolts", A), ("configuration", O));
        Assert.Equal("600", Str(topology["window"]));
        Assert.Equal("10m 0s", Str(topology["windowHint"]));
        Assert.Equal(10, Num(topology["msgTimeout"]));
        Assert.Equal(["600", "10800", "86400", ":all-time"], topology["topologyStats"]!.AsArray().Select(w => Str(w!["window"])));
        var allTime = One(topology["topologyStats"], w => Str(w["window"]) == ":all-time", "all-time stats");
        Check(allTime, "topologyStats", ("windowPretty", S), ("window", S), ("emitted", N), ("transferred", N), ("completeLatency", S), ("acked", N), ("failed", N));
        Assert.True(Num(allTime["acked"]) > 0, "acked over all time: " + allTime.ToJsonString());
        Assert.True(Fixed3(allTime["completeLatency"]) > 0);

        var spout = One(topology["spouts"], s => Str(s["spoutId"]) == "sentences", "spout sentences");
        Check(spout, "spout", ("spoutId", S), ("encodedSpoutId", S), ("executors", N), ("tasks", N), ("emitted", N), ("transferred", N), ("completeLatency", S),
            ("acked", N), ("failed", N), ("lastError", S), ("errorHost", S), ("errorPort", "Number|Null"), ("errorTime", "Number|Null"),
            ("errorLapsedSecs", "Number|Null"), ("errorWorkerLogLink", S));
        Fixed3(spout["completeLatency"]);
        var count = One(topology["bolts"], b => Str(b["boltId"]) == "count", "bolt count");
        Check(count, "bolt", ("boltId", S), ("encodedBoltId", S), ("executors", N), ("tasks", N), ("emitted", N), ("transferred", N), ("acked", N), ("failed", N),
            ("executed", N), ("executeLatency", S), ("processLatency", S), ("capacity", S), ("lastError", S));
        Assert.Equal(2, Num(count["executors"]));
        Fixed3(count["capacity"]);
        Assert.DoesNotContain(topology["bolts"]!.AsArray(), b => Str(b!["boltId"]).StartsWith("__", StringComparison.Ordinal));
        var withSys = await rig.GetAsync($"/api/v1/topology/{id}?sys=1");
        Assert.Contains(withSys["bolts"]!.AsArray(), b => Str(b!["boltId"]) == "__acker");
        Assert.Equal("10", topology["configuration"]!["topology.message.timeout.secs"]!.ToJsonString());
        Assert.Equal(2, topology["workers"]!.AsArray().Count);

        var metrics = await rig.GetAsync($"/api/v1/topology/{id}/metrics?window=:all-time");
        var split = One(metrics["bolts"], b => Str(b["id"]) == "split", "split metrics");
        var executed = One(split["executed"], s => Str(s["component_id"]) == "sentences" && Str(s["stream_id"]) == "default", "split's input from sentences");
        Assert.True(Num(executed["value"]) > 0);

        var component = await rig.GetAsync($"/api/v1/topology/{id}/component/count?window=600");
        Check(component, "component", ("id", S), ("encodedId", S), ("name", S), ("executors", N), ("tasks", N), ("topologyId", S), ("topologyStatus", S),
            ("encodedTopologyId", S), ("window", S), ("componentType", S), ("windowHint", S), ("debug", B), ("componentErrors", A), ("boltStats", A),
            ("inputStats", A), ("outputStats", A), ("executorStats", A), ("profilingAndDebuggingCapable", B), ("profilerActive", A));
        Assert.Equal("bolt", Str(component["componentType"]));
        var input = One(component["inputStats"], s => Str(s["component"]) == "split", "count's input from split");
        Check(input, "inputStats", ("component", S), ("encodedComponentId", S), ("stream", S), ("executeLatency", S), ("processLatency", S), ("executed", N),
            ("acked", N), ("failed", N));
        Assert.Equal(2, component["executorStats"]!.AsArray().Count);
        var executor = One(component["executorStats"], _ => true, "executor");
        Check(executor, "executorStats", ("id", S), ("encodedId", S), ("uptime", S), ("uptimeSeconds", N), ("host", S), ("port", N), ("emitted", N),
            ("transferred", N), ("acked", N), ("failed", N), ("executed", N), ("executeLatency", S), ("processLatency", S), ("capacity", S), ("workerLogLink", S));
        Assert.Matches(@"^\[\d+-\d+\]$", Str(executor["id"]));
        var spoutPage = await rig.GetAsync($"/api/v1/topology/{id}/component/sentences");
        Assert.Equal("spout", Str(spoutPage["componentType"]));
        Check(One(spoutPage["spoutSummary"], w => Str(w["window"]) == ":all-time", "spout all-time"), "spoutSummary",
            ("windowPretty", S), ("window", S), ("emitted", N), ("transferred", N), ("completeLatency", S), ("acked", N), ("failed", N));
        Check(One(spoutPage["outputStats"], s => Str(s["stream"]) == "default", "spout default stream"), "outputStats", ("stream", S), ("emitted", N), ("transferred", N));

        var graph = await rig.GetAsync($"/api/v1/topology/{id}/visualization");
        var countNode = graph["count"] as JsonObject ?? throw new Xunit.Sdk.XunitException("no count in the visualization: " + graph.ToJsonString());
        Check(countNode, "visualization", (":type", S), (":capacity", N), (":latency", N), (":transferred", N), (":stats", A), (":link", S), (":inputs", A));
        var fromSplit = One(countNode[":inputs"], i => Str(i[":component"]) == "split", "count's input");
        Assert.Equal("fields", Str(fromSplit[":grouping"]));
        Assert.Equal("default", Str(fromSplit[":stream"]));

        var workers = await rig.GetAsync($"/api/v1/topology-workers/{id}");
        Assert.Equal(2, workers["hostPortList"]!.AsArray().Count);
        Assert.Equal(rig.Logviewer.Port, Num(workers["logviewerPort"]));
        Check(One(workers["hostPortList"], _ => true, "worker"), "hostPortList", ("host", S), ("port", N));

        var logConfig = await rig.GetAsync($"/api/v1/topology/{id}/logconfig");
        Check(logConfig, "logconfig", ("namedLoggerLevels", O));

        // Prometheus's text format on /metrics, cluster and per component.
        var scraped = string.Empty;
        await rig.Cluster.UntilAsync(
            async () => Regex.IsMatch(scraped = await rig.Http.GetStringAsync("/metrics"), @"storm_component_acked_total\{[^}]*component=""sentences""[^}]*\} [1-9]"),
            "/metrics to show the sentences spout's acks (refreshed from Nimbus every 5 s)",
            TimeSpan.FromSeconds(120));
        Assert.True(scraped.Contains("# TYPE storm_component_emitted_total counter", StringComparison.Ordinal), scraped);
        Assert.True(Regex.IsMatch(scraped, @"storm_cluster_slots_total(\{[^}]*\})? 2\b"), scraped);

        // JSONP, as Storm allows.
        var jsonp = await rig.Http.GetStringAsync("/api/v1/cluster/summary?callback=show").Within("a JSONP call");
        Assert.StartsWith("show({", jsonp, StringComparison.Ordinal);

        // Bad input: Storm's error body with a 4xx, never a 500.
        var missing = await rig.FailAsync(HttpMethod.Get, "/api/v1/topology/no-such-topology-1-1");
        Assert.Equal((404, "404 Not Found"), (missing.Status, missing.Error));
        Assert.Contains("no-such-topology-1-1", missing.Message, StringComparison.Ordinal);
        var noComponent = await rig.FailAsync(HttpMethod.Get, $"/api/v1/topology/{id}/component/no-such-bolt");
        Assert.Equal(404, noComponent.Status);
        Assert.Contains("no-such-bolt", noComponent.Message, StringComparison.Ordinal);
        Assert.Equal(400, (await rig.FailAsync(HttpMethod.Get, $"/api/v1/topology/{id}?window=42")).Status);
        Assert.Equal(400, (await rig.FailAsync(HttpMethod.Get, $"/api/v1/topology/{id}?sys=maybe")).Status);
        Assert.Equal(400, (await rig.FailAsync(HttpMethod.Get, "/api/v1/supervisor")).Status);
        Assert.Equal(404, (await rig.FailAsync(HttpMethod.Get, "/api/v1/supervisor?id=nobody")).Status);
        Assert.Equal(404, (await rig.FailAsync(HttpMethod.Get, "/api/v1/topology-workers/no-such-topology-1-1")).Status);
        Assert.Equal(404, (await rig.FailAsync(HttpMethod.Post, "/api/v1/topology/no-such-topology-1-1/activate")).Status);
        Assert.Equal(404, (await rig.FailAsync(HttpMethod.Get, "/api/v1/no/such/path")).Status);
        Assert.Equal(400, (await rig.FailAsync(HttpMethod.Post, $"/api/v1/topology/{id}/kill/soon")).Status);
        Assert.Equal(400, (await rig.FailAsync(HttpMethod.Post, $"/api/v1/topology/{id}/rebalance/0", "{\"rebalanceOptions\": {\"numWorkers\": \"many\"}}")).Status);
        Assert.Equal(400, (await rig.FailAsync(HttpMethod.Post, $"/api/v1/topology/{id}/rebalance/0", "{not json")).Status);
        Assert.Equal(400, (await rig.FailAsync(HttpMethod.Get, "/api/v1/cluster/summary?callback=alert(1)")).Status);
        Assert.Equal("ACTIVE", Str((await rig.GetAsync($"/api/v1/topology/{id}"))["status"]));

        // Actions change the topology's status, and answer as Storm does.
        var deactivated = await rig.PostAsync($"/api/v1/topology/{id}/deactivate");
        Assert.Equal("deactivate", Str(deactivated["topologyOperation"]));
        Assert.Equal(id, Str(deactivated["topologyId"]));
        Assert.Equal("success", Str(deactivated["status"]));
        Assert.Equal("INACTIVE", Str((await rig.GetAsync($"/api/v1/topology/{id}"))["status"]));
        await rig.PostAsync($"/api/v1/topology/{id}/activate");
        Assert.Equal("ACTIVE", Str((await rig.GetAsync($"/api/v1/topology/{id}"))["status"]));

        var rebalanced = await rig.PostAsync($"/api/v1/topology/{id}/rebalance/1", new { rebalanceOptions = new { numWorkers = 1, executors = new { count = "1" } } });
        Assert.Equal("rebalance", Str(rebalanced["topologyOperation"]));
        await rig.Cluster.UntilAsync(
            async () =>
            {
                var t = await rig.GetAsync($"/api/v1/topology/{id}");
                return Str(t["status"]) == "ACTIVE" && Num(t["workersTotal"]) == 1 && Num(One(t["bolts"], b => Str(b["boltId"]) == "count", "count")["executors"]) == 1;
            },
            "the rebalance to one worker and one count executor to show in the UI",
            TimeSpan.FromSeconds(40));

        var killed = await rig.PostAsync($"/api/v1/topology/{id}/kill/0");
        Assert.Equal("kill", Str(killed["topologyOperation"]));
        await rig.Cluster.UntilAsync(
            async () => (await rig.GetAsync("/api/v1/topology/summary"))["topologies"]!.AsArray().Count == 0,
            "the killed topology to leave the topology summary",
            TimeSpan.FromSeconds(30));
        Assert.Equal(404, (await rig.FailAsync(HttpMethod.Get, $"/api/v1/topology/{id}")).Status);
    }

    [Fact]
    public async Task RestApi_WindowedBoltOnACluster_ShowsTheTuplesItsWindowsHold_AndOtherComponentsShowNone()
    {
        // The gauge travels from the worker's executors in its heartbeats to Nimbus, and from Nimbus to the REST API.
        await using var rig = await UiRig.StartAsync(zooKeeper);
        var dll = typeof(RestApiTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "WindowedTopNTargetPath").Value!;
        var id = (await rig.Cluster.StormAsync("jar", dll, "StormSharp.Examples.WindowedTopN.WindowedTopNTopology")).Trim();

        // A 5 s window sliding every second over a spout that never stops always holds some tuples.
        JsonObject? page = null;
        await rig.Cluster.UntilAsync(
            async () =>
            {
                page = await rig.GetAsync($"/api/v1/topology/{id}/component/top-n");
                return page["heldTuples"] is { } held && Num(held) > 0;
            },
            "the windowed bolt's page to show the tuples its window holds",
            ClusterRig.WorkerStart);
        var executors = page!["executorStats"]!.AsArray();
        Assert.Single(executors);
        Assert.True(Num(executors[0]!["heldTuples"]) > 0, executors.ToJsonString());

        var spout = await rig.GetAsync($"/api/v1/topology/{id}/component/words");
        Assert.Null(spout["heldTuples"]);
        Assert.All(spout["executorStats"]!.AsArray(), e => Assert.Null(e!["heldTuples"]));
    }
}
