using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using StormSharp.Cluster.Rpc;

namespace StormSharp.Ui.Internal;

/// <summary>
/// <c>/metrics</c> in Prometheus's text format through OpenTelemetry's exporter: the cluster's slots and counts, and
/// per topology and component the counters (since the executors started) and the 10-minute latencies and capacity.
/// What is exported is a snapshot refreshed from Nimbus every <see cref="Refresh"/>, so a scrape never waits on Nimbus.
/// </summary>
internal sealed class UiMetrics : IDisposable
{
    public const string MeterName = "StormSharp.Ui";

    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(5);

    private readonly Meter _meter = new(MeterName, UiServer.Version);
    private readonly NimbusReader _nimbus;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private volatile Snapshot _latest = new(new ClusterSummary(), []);

    private UiMetrics(NimbusReader nimbus, ILogger logger)
    {
        _nimbus = nimbus;
        _logger = logger;
        _meter.CreateObservableGauge("storm.cluster.supervisors", () => (long)_latest.Cluster.Supervisors.Count, description: "Supervisors registered");
        _meter.CreateObservableGauge("storm.cluster.slots.total", () => (long)_latest.Cluster.Supervisors.Sum(s => s.SlotsTotal), description: "Worker slots of all supervisors");
        _meter.CreateObservableGauge("storm.cluster.slots.used", () => (long)_latest.Cluster.Supervisors.Sum(s => s.SlotsUsed), description: "Worker slots running a worker");
        _meter.CreateObservableGauge("storm.cluster.topologies", () => (long)_latest.Cluster.Topologies.Count, description: "Topologies submitted and not yet removed");
        _meter.CreateObservableGauge("storm.topology.workers", () => PerTopology(t => t.Summary.NumWorkers), description: "Workers assigned to the topology");
        _meter.CreateObservableCounter("storm.component.emitted", () => PerComponent(c => c.Emitted), description: "Tuples emitted since the executors started");
        _meter.CreateObservableCounter("storm.component.transferred", () => PerComponent(c => c.Transferred), description: "Tuple deliveries to tasks since the executors started");
        _meter.CreateObservableCounter("storm.component.acked", () => PerComponent(c => c.Acked), description: "Spout: trees completed; bolt: inputs acked");
        _meter.CreateObservableCounter("storm.component.failed", () => PerComponent(c => c.Failed), description: "Spout: trees failed or timed out; bolt: inputs failed");
        _meter.CreateObservableCounter("storm.component.executed", () => PerComponent(c => c.Executed), description: "Bolt: inputs executed");
        _meter.CreateObservableGauge("storm.component.complete.latency", () => PerComponentDouble(c => c.CompleteLatencyMs), unit: "ms", description: "Spout: mean complete latency over 10 minutes");
        _meter.CreateObservableGauge("storm.component.execute.latency", () => PerComponentDouble(c => c.ExecuteLatencyMs), unit: "ms", description: "Bolt: mean execute latency over 10 minutes");
        _meter.CreateObservableGauge("storm.component.capacity", () => PerComponentDouble(c => c.Capacity), description: "Bolt: the busiest executor's share of 10 minutes spent executing");
        _ = Task.Run(() => RefreshLoopAsync(_stop.Token));
    }

    public static IDisposable Add(IServiceCollection services, NimbusReader nimbus, ILogger logger)
    {
        var metrics = new UiMetrics(nimbus, logger);
        // Every meter of this name in the process reaches this provider (tests run several UIs in one process). Two
        // instruments of one name would share one stream, and the first to stop would take the stream with it: so
        // this provider exports its own meter's instruments only.
        services.AddOpenTelemetry().WithMetrics(m => m
            .AddMeter(MeterName)
            .AddView(instrument => ReferenceEquals(instrument.Meter, metrics._meter) ? null : MetricStreamConfiguration.Drop)
            .AddPrometheusExporter());
        return metrics;
    }

    public static void Map(WebApplication app) => app.MapPrometheusScrapingEndpoint("/metrics");

    public void Dispose()
    {
        _stop.Cancel();
        _meter.Dispose();
        _stop.Dispose();
    }

    private async Task RefreshLoopAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(Refresh);
        do
        {
            try
            {
                var cluster = await _nimbus.ClusterAsync(ct).ConfigureAwait(false);
                var topologies = new List<TopologyInfo>();
                foreach (var t in cluster.Topologies)
                {
                    try
                    {
                        topologies.Add(await _nimbus.TopologyAsync(t.Id, ct).ConfigureAwait(false));
                    }
                    catch (ApiException)
                    {
                        // Removed meanwhile, or Nimbus went away: the next round will tell.
                    }
                }

                _latest = new Snapshot(cluster, topologies);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Nimbus away, or anything else: keep exporting the last snapshot and try again next round, for ever.
                _logger.LogDebug("Refreshing the metrics snapshot failed: {Message}", e.Message);
            }
        }
        while (await WaitAsync(timer, ct).ConfigureAwait(false));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private IEnumerable<Measurement<long>> PerTopology(Func<TopologyInfo, long> value) =>
        _latest.Topologies.Select(t => new Measurement<long>(value(t), new("topology", t.Summary.Name), new("topology_id", t.Summary.Id)));

    private IEnumerable<Measurement<long>> PerComponent(Func<ComponentSummary, long> value) =>
        _latest.Topologies.SelectMany(t => t.Components.Select(c => new Measurement<long>(value(c), new("topology", t.Summary.Name), new("topology_id", t.Summary.Id), new("component", c.Id))));

    private IEnumerable<Measurement<double>> PerComponentDouble(Func<ComponentSummary, double> value) =>
        _latest.Topologies.SelectMany(t => t.Components.Select(c => new Measurement<double>(value(c), new("topology", t.Summary.Name), new("topology_id", t.Summary.Id), new("component", c.Id))));

    private sealed record Snapshot(ClusterSummary Cluster, IReadOnlyList<TopologyInfo> Topologies);
}
