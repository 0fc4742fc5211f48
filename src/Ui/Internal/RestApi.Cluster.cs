using System.Text.Json.Nodes;
using StormSharp.Cluster.Rpc;
using StormSharp.Runtime.Configuration;

namespace StormSharp.Ui.Internal;

internal sealed partial class RestApi
{
    /// <summary>The UI's effective configuration (defaults, storm.yaml, command line), as Storm's UI returns its own, secrets masked.</summary>
    private JsonObject ClusterConfiguration() => (JsonObject)StormFormat.ToJson(ConfigRedaction.Redact(conf))!;

    private async Task<JsonObject> ClusterSummaryAsync(CancellationToken ct)
    {
        var c = await nimbus.ClusterAsync(ct).ConfigureAwait(false);
        var total = c.Supervisors.Sum(s => s.SlotsTotal);
        var used = c.Supervisors.Sum(s => s.SlotsUsed);
        return new JsonObject
        {
            ["stormVersion"] = version,
            ["supervisors"] = c.Supervisors.Count,
            ["topologies"] = c.Topologies.Count,
            ["slotsTotal"] = total,
            ["slotsUsed"] = used,
            ["slotsFree"] = total - used,
            ["executorsTotal"] = c.Topologies.Sum(t => t.NumExecutors),
            ["tasksTotal"] = c.Topologies.Sum(t => t.NumTasks),
            ["schedulerDisplayResource"] = false,
            ["totalMem"] = 0.0,
            ["totalCpu"] = 0.0,
            ["availMem"] = 0.0,
            ["availCpu"] = 0.0,
            ["memAssignedPercentUtil"] = 0.0,
            ["cpuAssignedPercentUtil"] = 0.0,
        };
    }

    private async Task<JsonObject> NimbusSummaryAsync(CancellationToken ct)
    {
        var c = await nimbus.ClusterAsync(ct).ConfigureAwait(false);
        var list = new JsonArray();
        foreach (var n in c.Nimbuses.OrderByDescending(n => n.IsLeader).ThenBy(n => n.Host, StringComparer.Ordinal).ThenBy(n => n.Port))
        {
            list.Add(new JsonObject
            {
                ["host"] = n.Host,
                ["port"] = n.Port,
                ["status"] = n.IsLeader ? "Leader" : "Not a Leader",
                ["nimbusUpTime"] = StormFormat.Uptime(n.UptimeSecs),
                ["nimbusUpTimeSeconds"] = n.UptimeSecs.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["nimbusLogLink"] = $"http://{n.Host}:{logviewerPort}/log?file=nimbus.log",
                ["version"] = n.Version,
            });
        }

        return new JsonObject { ["nimbuses"] = list };
    }

    private static JsonObject Supervisor(SupervisorSummary s, string version) => new()
    {
        ["id"] = s.Id,
        ["host"] = s.Host,
        ["uptime"] = StormFormat.Uptime(s.UptimeSecs),
        ["uptimeSeconds"] = s.UptimeSecs,
        ["slotsTotal"] = s.SlotsTotal,
        ["slotsUsed"] = s.SlotsUsed,
        ["slotsFree"] = s.SlotsTotal - s.SlotsUsed,
        ["totalMem"] = 0.0,
        ["totalCpu"] = 0.0,
        ["usedMem"] = 0.0,
        ["usedCpu"] = 0.0,
        ["version"] = version,
    };

    private async Task<JsonObject> SupervisorSummaryAsync(CancellationToken ct)
    {
        var c = await nimbus.ClusterAsync(ct).ConfigureAwait(false);
        return new JsonObject
        {
            ["supervisors"] = new JsonArray([.. c.Supervisors.Select(s => Supervisor(s, version))]),
            ["schedulerDisplayResource"] = false,
        };
    }

    /// <summary>One supervisor by id, or those on a host, with the workers of every topology it runs.</summary>
    private async Task<JsonObject> SupervisorAsync(string? id, string? host, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(id) && string.IsNullOrEmpty(host))
        {
            throw ApiException.BadRequest("give the supervisor's id (?id=) or host (?host=)");
        }

        var c = await nimbus.ClusterAsync(ct).ConfigureAwait(false);
        var chosen = c.Supervisors.Where(s => !string.IsNullOrEmpty(id) ? s.Id == id : s.Host == host).ToList();
        if (chosen.Count == 0)
        {
            throw ApiException.NotFound(!string.IsNullOrEmpty(id) ? $"no supervisor with id '{id}'" : $"no supervisor on host '{host}'");
        }

        var ids = chosen.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        var workers = new JsonArray();
        foreach (var t in c.Topologies)
        {
            (TopologyInfo Info, IReadOnlyList<WorkerHeartbeatReceipt> Beats) view;
            try
            {
                view = await LoadAsync(t.Id, ct).ConfigureAwait(false);
            }
            catch (ApiException e) when (e.Status == 404)
            {
                continue; // Removed meanwhile.
            }

            foreach (var w in view.Info.Workers.Where(w => ids.Contains(w.SupervisorId)))
            {
                workers.Add(Worker(view.Info, w, view.Beats));
            }
        }

        return new JsonObject
        {
            ["supervisors"] = new JsonArray([.. chosen.Select(s => Supervisor(s, version))]),
            ["workers"] = workers,
            ["schedulerDisplayResource"] = false,
        };
    }

    private static JsonObject TopologySummaryEntry(TopologySummary t) => new()
    {
        ["id"] = t.Id,
        ["encodedId"] = Uri.EscapeDataString(t.Id),
        ["name"] = t.Name,
        ["owner"] = t.Owner,
        ["status"] = t.Status,
        ["uptime"] = StormFormat.Uptime(t.UptimeSecs),
        ["uptimeSeconds"] = t.UptimeSecs,
        ["tasksTotal"] = t.NumTasks,
        ["workersTotal"] = t.NumWorkers,
        ["executorsTotal"] = t.NumExecutors,
        ["replicationCount"] = 1,
        ["schedulerInfo"] = t.SchedulerMessage,
        ["requestedMemOnHeap"] = 0.0,
        ["requestedMemOffHeap"] = 0.0,
        ["requestedTotalMem"] = 0.0,
        ["requestedCpu"] = 0.0,
        ["assignedMemOnHeap"] = 0.0,
        ["assignedMemOffHeap"] = 0.0,
        ["assignedTotalMem"] = 0.0,
        ["assignedCpu"] = 0.0,
    };

    private async Task<JsonObject> TopologySummaryAsync(CancellationToken ct)
    {
        var c = await nimbus.ClusterAsync(ct).ConfigureAwait(false);
        return new JsonObject
        {
            ["topologies"] = new JsonArray([.. c.Topologies.OrderBy(t => t.Name, StringComparer.Ordinal).Select(TopologySummaryEntry)]),
            ["schedulerDisplayResource"] = false,
        };
    }

    private async Task<JsonObject> HistoryAsync(CancellationToken ct)
    {
        var c = await nimbus.ClusterAsync(ct).ConfigureAwait(false);
        return new JsonObject { ["topo-history"] = new JsonArray([.. c.Topologies.Select(t => (JsonNode)t.Id)]) };
    }

    /// <summary>A worker as Storm lists it, with the tasks of each component it runs (from its heartbeat).</summary>
    private JsonObject Worker(TopologyInfo info, WorkerSummary w, IReadOnlyList<WorkerHeartbeatReceipt> beats)
    {
        var beat = beats.FirstOrDefault(b => b.Heartbeat.SupervisorId == w.SupervisorId && b.Heartbeat.Port == w.Port);
        var tasks = new JsonObject();
        foreach (var g in (beat?.Heartbeat.Executors ?? []).GroupBy(e => e.Component).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            tasks[g.Key] = g.Sum(e => e.LastTask - e.FirstTask + 1);
        }

        return new JsonObject
        {
            ["supervisorId"] = w.SupervisorId,
            ["host"] = w.Host,
            ["port"] = w.Port,
            ["topologyId"] = info.Summary.Id,
            ["topologyName"] = info.Summary.Name,
            ["executorsTotal"] = w.NumExecutors,
            ["assignedMemOnHeap"] = 0.0,
            ["assignedMemOffHeap"] = 0.0,
            ["assignedCpu"] = 0.0,
            ["componentNumTasks"] = tasks,
            ["uptime"] = StormFormat.Uptime(w.UptimeSecs),
            ["uptimeSeconds"] = w.UptimeSecs,
            ["heartbeatAgeMs"] = w.HeartbeatAgeMs,
            ["workerLogLink"] = WorkerLogLink(w.Host, w.Port, info.Summary.Id),
        };
    }

    private async Task<JsonObject> TopologyWorkersAsync(string id, CancellationToken ct)
    {
        var info = await nimbus.TopologyAsync(id, ct).ConfigureAwait(false);
        return new JsonObject
        {
            ["hostPortList"] = new JsonArray([.. info.Workers.Select(w => new JsonObject { ["host"] = w.Host, ["port"] = w.Port })]),
            ["logviewerPort"] = logviewerPort,
        };
    }
}
