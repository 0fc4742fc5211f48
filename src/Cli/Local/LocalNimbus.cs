using System.Net;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StormSharp.Cluster.Rpc;
using StormSharp.Nimbus.Internal;
using StormSharp.Runtime;
using StormSharp.Runtime.Configuration;
using StormSharp.Runtime.Execution;
using StormSharp.Runtime.Serialization;
using StormSharp.Worker.Hosting;
using GrpcNimbus = StormSharp.Cluster.Rpc.Nimbus;

namespace StormSharp.Cli.Local;

/// <summary>
/// Nimbus's read side (and activate, deactivate, kill) of <c>nimbus.proto</c> over a <see cref="LocalCluster"/>, on
/// 127.0.0.1 and a free port, so that <c>storm local --ui</c> runs the same UI a cluster has: the in-process workers'
/// heartbeats are taken every second as a worker would send them, and the same per-second series are derived from
/// them. Rebalance has no meaning in one process and is refused.
/// </summary>
internal sealed class LocalNimbus : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _beats;

    private LocalNimbus(WebApplication app, State state)
    {
        _app = app;
        Port = new Uri(app.Urls.First()).Port;
        _beats = Task.Run(() => state.BeatAsync(_stop.Token));
    }

    public int Port { get; }

    public static async Task<LocalNimbus> StartAsync(LocalCluster cluster, ILoggerFactory loggers, CancellationToken ct)
    {
        var state = new State(cluster);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.Services.AddSingleton(state);
        builder.Services.AddGrpc();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        app.MapGrpcService<Service>();
        await app.StartAsync(ct).ConfigureAwait(false);
        return new LocalNimbus(app, state);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _beats.ConfigureAwait(false);
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    internal sealed class State(LocalCluster cluster)
    {
        public const string SupervisorId = "local";

        public LocalCluster Cluster => cluster;

        public StatsSeries Series { get; } = new();

        public long StartedMs { get; } = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        public LocalTopology Find(string id) =>
            cluster.RunningTopologies().FirstOrDefault(t => t.Definition.StormId == id || t.Definition.Name == id)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"no topology '{id}' runs in this local cluster"));

        public async Task BeatAsync(CancellationToken ct)
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            try
            {
                while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
                {
                    var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                    foreach (var t in cluster.RunningTopologies())
                    {
                        foreach (var w in t.Workers)
                        {
                            Series.Record(HeartbeatReport.Of(w, SupervisorId), now);
                        }
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }
        }
    }

    private sealed class Service(State state) : GrpcNimbus.NimbusBase
    {
        private static readonly Empty Done = new();

        public override Task<ClusterSummary> GetClusterInfo(Empty request, ServerCallContext context)
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var running = state.Cluster.RunningTopologies();
            var summary = new ClusterSummary();
            var slots = running.Sum(t => t.Workers.Count);
            summary.Supervisors.Add(new SupervisorSummary { Id = State.SupervisorId, Host = "localhost", SlotsTotal = slots, SlotsUsed = slots, UptimeSecs = (now - state.StartedMs) / 1000 });
            summary.Nimbuses.Add(new NimbusInfo { Host = "localhost", Port = 0, IsLeader = true, UptimeSecs = (now - state.StartedMs) / 1000, Version = "local" });
            foreach (var t in running)
            {
                summary.Topologies.Add(Summary(t));
            }

            return Task.FromResult(summary);
        }

        public override Task<TopologyInfo> GetTopologyInfo(TopologyRequest request, ServerCallContext context)
        {
            var t = state.Find(Key(request));
            var info = new TopologyInfo { Summary = Summary(t) };
            var stats = t.Info();
            foreach (var w in t.Workers)
            {
                info.Workers.Add(new WorkerSummary
                {
                    SupervisorId = State.SupervisorId,
                    Host = w.Endpoint.Host,
                    Port = w.Endpoint.Port,
                    UptimeSecs = (long)t.Services.Uptime.TotalSeconds,
                    NumExecutors = w.Executors.Count,
                    HeartbeatAgeMs = 0,
                });
            }

            foreach (var c in stats.Components)
            {
                var all = c.Total();
                var recent = c.Total(Runtime.Stats.StatsWindows.TenMinutes);
                var summary = new ComponentSummary
                {
                    Id = c.Id,
                    Spout = c.IsSpout,
                    Executors = c.Executors,
                    Tasks = c.Tasks,
                    Emitted = all.Emitted,
                    Transferred = all.Transferred,
                    Acked = all.Acked,
                    Failed = all.Failed,
                    Executed = all.Executed,
                    CompleteLatencyMs = recent.CompleteLatencyMs,
                    ExecuteLatencyMs = recent.ExecuteLatencyMs,
                    Capacity = c.Capacity,
                    Errors = c.Errors.Count,
                    LastError = c.Errors.Count > 0 ? c.Errors[^1].Message : string.Empty,
                };
                if (c.HeldTuples is { } held)
                {
                    summary.HeldTuples = held;
                }

                info.Components.Add(summary);
            }

            return Task.FromResult(info);
        }

        public override Task<TopologyConf> GetTopologyConf(TopologyRequest request, ServerCallContext context)
        {
            using var doc = JsonDocument.Parse(Document(state.Find(Key(request))));
            return Task.FromResult(new TopologyConf { Json = ConfigRedaction.RedactJson(doc.RootElement.GetProperty("config").GetRawText()) });
        }

        public override Task<TopologyErrors> GetTopologyErrors(TopologyRequest request, ServerCallContext context)
        {
            var t = state.Find(Key(request));
            var reply = new TopologyErrors();
            var all = t.Definition.Executors.Select(e => e.ComponentId).Distinct(StringComparer.Ordinal)
                .SelectMany(c => t.Services.ErrorsOf(c).Select(e => (Component: c, Error: e)))
                .OrderByDescending(x => x.Error.Time);
            foreach (var (component, e) in all)
            {
                reply.Errors.Add(new ErrorEntry { Component = component, Task = e.Task, Host = "localhost", Port = 0, TimeMs = e.Time.ToUnixTimeMilliseconds(), Message = e.Message });
            }

            return Task.FromResult(reply);
        }

        public override Task<TopologyDocumentReply> GetTopologyDocument(TopologyRequest request, ServerCallContext context) =>
            Task.FromResult(new TopologyDocumentReply { Document = ByteString.CopyFrom(Document(state.Find(Key(request)))) });

        public override Task<TopologyHeartbeats> GetTopologyHeartbeats(TopologyRequest request, ServerCallContext context)
        {
            var t = state.Find(Key(request));
            var reply = new TopologyHeartbeats();
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            foreach (var w in t.Workers)
            {
                reply.Workers.Add(new WorkerHeartbeatReceipt { Heartbeat = HeartbeatReport.Of(w, State.SupervisorId), ReceivedMs = now });
            }

            return Task.FromResult(reply);
        }

        public override Task<TopologySeries> GetTopologySeries(SeriesRequest request, ServerCallContext context)
        {
            var t = state.Find(request.TopologyId);
            return Task.FromResult(state.Series.Query(t.Definition.StormId, request.SinceMs, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        }

        public override Task<Empty> Activate(TopologyRequest request, ServerCallContext context)
        {
            state.Cluster.Activate(state.Find(Key(request)).Definition.Name);
            return Task.FromResult(Done);
        }

        public override Task<Empty> Deactivate(TopologyRequest request, ServerCallContext context)
        {
            state.Cluster.Deactivate(state.Find(Key(request)).Definition.Name);
            return Task.FromResult(Done);
        }

        public override Task<Empty> KillTopology(KillRequest request, ServerCallContext context)
        {
            var name = state.Find(request.Name).Definition.Name;
            _ = Task.Run(async () =>
            {
                await Task.Delay(TimeSpan.FromSeconds(Math.Max(0, request.WaitSecs))).ConfigureAwait(false);
                try
                {
                    state.Cluster.KillTopology(name);
                }
                catch (KeyNotFoundException)
                {
                    // Killed meanwhile.
                }
            });
            return Task.FromResult(Done);
        }

        public override Task<Empty> Rebalance(RebalanceRequest request, ServerCallContext context) =>
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "rebalance is not available in local mode: every worker runs in this process"));

        public override Task<NimbusInfo> GetLeader(Empty request, ServerCallContext context) =>
            Task.FromResult(new NimbusInfo { Host = "localhost", IsLeader = true, Version = "local" });

        private static string Key(TopologyRequest r) => r.Id.Length > 0 ? r.Id : r.Name;

        private static byte[] Document(LocalTopology t) => TopologyDocument.Write(t.Definition.Topology, t.Definition.Conf);

        private static TopologySummary Summary(LocalTopology t) => new()
        {
            Id = t.Definition.StormId,
            Name = t.Definition.Name,
            Status = t.Services.Active ? "ACTIVE" : "INACTIVE",
            NumTasks = t.Definition.TaskCount,
            NumWorkers = t.Workers.Count,
            NumExecutors = t.Executors.Count,
            UptimeSecs = (long)t.Services.Uptime.TotalSeconds,
            Owner = Environment.UserName,
        };
    }
}
