using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using StormSharp.Cluster;
using StormSharp.Cluster.Rpc;
using StormSharp.Runtime.Configuration;

namespace StormSharp.Nimbus.Internal;

internal sealed partial class NimbusCore
{
    /// <summary>Chunk size of <see cref="DownloadPackageAsync"/>: 1 MiB.</summary>
    internal const int DownloadChunkBytes = 1024 * 1024;

    /// <summary>Supervisors, Nimbuses and topologies, from the cluster state: any Nimbus answers.</summary>
    public async Task<ClusterSummary> GetClusterInfoAsync(CancellationToken ct)
    {
        var now = NowMs;
        var summary = new ClusterSummary();
        var assignments = await _state.GetAssignmentsAsync(ct).ConfigureAwait(false);
        var used = assignments.Values.SelectMany(a => a.Value.Workers).Select(w => new Slot(w.NodeId, w.Port)).ToHashSet();
        foreach (var (id, info) in (await _state.GetSupervisorsAsync(ct).ConfigureAwait(false)).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            summary.Supervisors.Add(new SupervisorSummary
            {
                Id = id,
                Host = info.Host,
                SlotsTotal = info.SlotPorts.Distinct().Count(),
                SlotsUsed = info.SlotPorts.Distinct().Count(p => used.Contains(new Slot(id, p))),
                UptimeSecs = Math.Max(0, (now - info.StartTimeMs) / 1000),
            });
        }

        var leader = await _state.GetLeaderAsync(ct).ConfigureAwait(false);
        foreach (var n in await _state.GetNimbusesAsync(ct).ConfigureAwait(false))
        {
            summary.Nimbuses.Add(new NimbusInfo
            {
                Host = n.Host,
                Port = n.Port,
                IsLeader = leader == $"{n.Host}:{n.Port}",
                UptimeSecs = Math.Max(0, (now - n.StartTimeMs) / 1000),
                Version = n.Version,
            });
        }

        foreach (var id in await _state.GetActiveStormsAsync(ct).ConfigureAwait(false))
        {
            var stormBase = await _state.GetStormBaseAsync(id, ct).ConfigureAwait(false);
            if (stormBase is not null)
            {
                summary.Topologies.Add(Summarize(id, stormBase.Value, assignments.TryGetValue(id, out var a) ? a.Value : null, now));
            }
        }

        return summary;
    }

    private TopologySummary Summarize(string id, StormBase stormBase, Assignment? assignment, long now) => new()
    {
        Id = id,
        Name = stormBase.Name,
        Status = StatusName(stormBase.Status),
        NumTasks = assignment?.Executors.Sum(e => e.LastTask - e.FirstTask + 1) ?? 0,
        NumWorkers = assignment?.Workers.Count ?? 0,
        NumExecutors = assignment?.Executors.Count ?? 0,
        UptimeSecs = Math.Max(0, (now - stormBase.LaunchTimeMs) / 1000),
        Owner = stormBase.Owner,
        SchedulerMessage = _schedulerMessages.TryGetValue(id, out var m) ? m : string.Empty,
    };

    /// <summary>The summary, per-component totals from the latest heartbeats, workers with heartbeat ages, and errors.</summary>
    public async Task<TopologyInfo> GetTopologyInfoAsync(TopologyRequest request, CancellationToken ct)
    {
        var (id, stormBase) = await ResolveAsync(request.Name, request.Id, ct).ConfigureAwait(false);
        var now = NowMs;
        var assignment = (await _state.GetAssignmentAsync(id, ct).ConfigureAwait(false))?.Value;
        var info = new TopologyInfo { Summary = Summarize(id, stormBase.Value, assignment, now) };
        var beats = new List<ReceivedHeartbeat>();
        foreach (var w in assignment?.Workers ?? [])
        {
            var slot = new Slot(w.NodeId, w.Port);
            var beat = _heartbeats.Get(id, slot);
            if (beat is not null)
            {
                beats.Add(beat);
            }

            info.Workers.Add(new WorkerSummary
            {
                SupervisorId = w.NodeId,
                Host = assignment!.NodeHosts.TryGetValue(w.NodeId, out var host) ? host : w.NodeId,
                Port = w.Port,
                UptimeSecs = beat?.Heartbeat.UptimeSecs ?? Math.Max(0, (now - w.StartTimeMs) / 1000),
                NumExecutors = assignment.Executors.Count(e => e.NodeId == w.NodeId && e.Port == w.Port),
                HeartbeatAgeMs = beat is null ? -1 : Math.Max(0, now - beat.ReceivedMs),
            });
        }

        var stats = beats.SelectMany(b => b.Heartbeat.Executors).ToList();
        var components = (assignment?.Executors.Select(e => e.Component) ?? []).Concat(stormBase.Value.ComponentExecutors.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var component in components)
        {
            var mine = stats.Where(s => s.Component == component).ToList();
            var executors = assignment?.Executors.Where(e => e.Component == component).ToList() ?? [];
            var errors = await _state.GetErrorsAsync(id, component, ct).ConfigureAwait(false);
            var acked = mine.Sum(s => s.Acked);
            var executed = mine.Sum(s => s.Executed);
            var summary = new ComponentSummary
            {
                Id = component,
                Spout = mine.Any(s => s.Spout),
                Executors = executors.Count,
                Tasks = executors.Sum(e => e.LastTask - e.FirstTask + 1),
                Emitted = mine.Sum(s => s.Emitted),
                Transferred = mine.Sum(s => s.Transferred),
                Acked = acked,
                Failed = mine.Sum(s => s.Failed),
                Executed = executed,
                CompleteLatencyMs = acked > 0 ? mine.Sum(s => s.CompleteLatencyMs * s.Acked) / acked : 0,
                ExecuteLatencyMs = executed > 0 ? mine.Sum(s => s.ExecuteLatencyMs * s.Executed) / executed : 0,
                Capacity = mine.Count > 0 ? mine.Max(s => s.Capacity) : 0,
                Errors = errors.Count,
                LastError = errors.Count > 0 ? errors[0].Message : string.Empty,
            };
            if (mine.Any(s => s.HasHeldTuples))
            {
                summary.HeldTuples = mine.Sum(s => s.HeldTuples);
            }

            info.Components.Add(summary);
        }

        return info;
    }

    /// <summary>The effective config as JSON, from the stored document, its secrets masked: this is what the UI shows (workers read the document).</summary>
    public async Task<TopologyConf> GetTopologyConfAsync(TopologyRequest request, CancellationToken ct)
    {
        var (_, stormBase) = await ResolveAsync(request.Name, request.Id, ct).ConfigureAwait(false);
        if (_blobs.TryGetMetadata(stormBase.Value.DocumentKey) is null)
        {
            await EnsureLeaderAsync(ct).ConfigureAwait(false);
        }

        using var doc = JsonDocument.Parse(await ReadDocumentAsync(stormBase.Value, ct).ConfigureAwait(false));
        return new TopologyConf { Json = ConfigRedaction.RedactJson(doc.RootElement.GetProperty("config").GetRawText()) };
    }

    /// <summary>Every kept error of every component, newest first.</summary>
    public async Task<TopologyErrors> GetTopologyErrorsAsync(TopologyRequest request, CancellationToken ct)
    {
        var (id, stormBase) = await ResolveAsync(request.Name, request.Id, ct).ConfigureAwait(false);
        var all = new List<ErrorInfo>();
        foreach (var component in stormBase.Value.ComponentExecutors.Keys.Order(StringComparer.Ordinal))
        {
            all.AddRange(await _state.GetErrorsAsync(id, component, ct).ConfigureAwait(false));
        }

        var reply = new TopologyErrors();
        foreach (var e in all.OrderByDescending(e => e.TimeMs))
        {
            reply.Errors.Add(new ErrorEntry { Component = e.Component, Task = e.TaskId, Host = e.Host, Port = e.Port, TimeMs = e.TimeMs, Message = e.Message });
        }

        return reply;
    }

    /// <summary>What a supervisor needs to run the topology's workers: the document and how to check the package.</summary>
    public async Task<TopologyDocumentReply> GetTopologyDocumentAsync(TopologyRequest request, CancellationToken ct)
    {
        await EnsureLeaderAsync(ct).ConfigureAwait(false);
        var (_, stormBase) = await ResolveAsync(request.Name, request.Id, ct).ConfigureAwait(false);
        var package = _blobs.TryGetMetadata(stormBase.Value.PackageKey) ?? throw RpcErrors.Unavailable($"this Nimbus holds no copy of blob '{stormBase.Value.PackageKey}'");
        return new TopologyDocumentReply
        {
            Document = ByteString.CopyFrom(await ReadDocumentAsync(stormBase.Value, ct).ConfigureAwait(false)),
            PackageSha256 = package.Sha256,
            PackageLength = package.Size,
            EntryAssembly = stormBase.Value.EntryAssembly,
        };
    }

    /// <summary>Streams the package blob in <see cref="DownloadChunkBytes"/> chunks.</summary>
    public async Task DownloadPackageAsync(TopologyRequest request, IServerStreamWriter<PackageChunk> writer, CancellationToken ct)
    {
        await EnsureLeaderAsync(ct).ConfigureAwait(false);
        var (_, stormBase) = await ResolveAsync(request.Name, request.Id, ct).ConfigureAwait(false);
        if (_blobs.TryGetMetadata(stormBase.Value.PackageKey) is null)
        {
            throw RpcErrors.Unavailable($"this Nimbus holds no copy of blob '{stormBase.Value.PackageKey}'");
        }

        await using var s = _blobs.OpenRead(stormBase.Value.PackageKey);
        var buffer = new byte[DownloadChunkBytes];
        int n;
        while ((n = await s.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct).ConfigureAwait(false)) > 0)
        {
            await writer.WriteAsync(new PackageChunk { Data = ByteString.CopyFrom(buffer, 0, n) }, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Keeps the latest heartbeat of the worker, in memory.</summary>
    public async Task RecordHeartbeatAsync(WorkerHeartbeat heartbeat, CancellationToken ct)
    {
        await EnsureLeaderAsync(ct).ConfigureAwait(false);
        if (string.IsNullOrEmpty(heartbeat.TopologyId) || string.IsNullOrEmpty(heartbeat.SupervisorId) || heartbeat.Port is < 1 or > 65535)
        {
            throw RpcErrors.InvalidArgument("a worker heartbeat needs topology_id, supervisor_id and a port 1-65535");
        }

        var now = NowMs;
        _heartbeats.Record(heartbeat, now);
        RecordSeries(heartbeat, now);
    }

    /// <summary>The leading Nimbus; UNAVAILABLE when none leads.</summary>
    public async Task<NimbusInfo> GetLeaderAsync(CancellationToken ct)
    {
        var leader = await _state.GetLeaderAsync(ct).ConfigureAwait(false) ?? throw RpcErrors.Unavailable("no Nimbus leads the cluster right now");
        var now = NowMs;
        foreach (var n in await _state.GetNimbusesAsync(ct).ConfigureAwait(false))
        {
            if ($"{n.Host}:{n.Port}" == leader)
            {
                return new NimbusInfo { Host = n.Host, Port = n.Port, IsLeader = true, UptimeSecs = Math.Max(0, (now - n.StartTimeMs) / 1000), Version = n.Version };
            }
        }

        var colon = leader.LastIndexOf(':');
        return new NimbusInfo { Host = leader[..Math.Max(0, colon)], Port = int.TryParse(leader.AsSpan(colon + 1), out var p) ? p : 0, IsLeader = true };
    }
}
