using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using StormSharp.Runtime.Configuration;
using StormSharp.Runtime.Execution;
using StormSharp.Topology;
using StormSharp.Worker.Transport;

namespace StormSharp.Worker.Tests;

/// <summary>
/// Two workers of one topology in this process, each with its own gRPC transport on a free loopback port: what two
/// worker processes do, minus the processes. Executors are dealt over the two as Storm's even scheduler would.
/// </summary>
internal sealed class TwoWorkers : IAsyncDisposable
{
    private readonly List<(WorkerRuntime Worker, GrpcWorkerTransport Transport)> _workers = [];

    private readonly TransferSecurity _security;

    private TwoWorkers(TopologyDefinition definition, TopologyAssignment assignment, TransferSecurity security)
    {
        Definition = definition;
        Assignment = assignment;
        _security = security;
    }

    public TopologyDefinition Definition { get; }

    public TopologyAssignment Assignment { get; }

    public IReadOnlyList<WorkerRuntime> Workers => [.. _workers.Select(w => w.Worker)];

    public static ILoggerFactory Logs { get; } = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning));

    /// <summary>
    /// Word count for two workers: a spout of <paramref name="sentences"/> sentences reporting to the board
    /// <paramref name="key"/>, two split and two count tasks (fields grouping), the counts on the board <paramref name="counts"/>.
    /// </summary>
    public static StormTopology WordCount(string key, string counts, long sentences)
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("sentences", new SentenceSpout(key, sentences), 1);
        builder.SetBolt("split", new SplitBolt(), 2).ShuffleGrouping("sentences");
        builder.SetBolt("count", new CountBolt(counts), 2).FieldsGrouping("split", new Fields("word"));
        return builder.CreateTopology();
    }

    /// <summary>Starts both workers; <paramref name="security"/> (the worker token, TLS) is both transports'.</summary>
    public static async Task<TwoWorkers> StartAsync(StormTopology topology, IDictionary<string, object?> config, string name, TransferSecurity? security = null)
    {
        var conf = ConfigLoader.Load();
        foreach (var kv in config)
        {
            conf[kv.Key] = kv.Value;
        }

        conf[Config.TopologyWorkers] = 2;
        var definition = new TopologyDefinition(name + "-1-1", name, topology, conf, n => Type.GetType(n));
        var slots = new[] { new WorkerEndpoint("127.0.0.1", FreePort()), new WorkerEndpoint("127.0.0.1", FreePort()) };
        var assignment = TopologyAssignment.Deal(definition, slots);
        var result = new TwoWorkers(definition, assignment, security ?? TransferSecurity.None);
        try
        {
            foreach (var slot in slots)
            {
                await result.StartWorkerAsync(slot);
            }
        }
        catch
        {
            await result.DisposeAsync();
            throw;
        }

        return result;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public WorkerRuntime WorkerRunning(string componentId) =>
        Workers.Single(w => w.Executors.Any(e => e.ComponentId == componentId));

    public GrpcWorkerTransport TransportOf(WorkerRuntime worker) => _workers.Single(w => w.Worker == worker).Transport;

    /// <summary>Stops one worker, its executors (what their queues held is lost) and then its port, as a worker that died would vanish.</summary>
    public async Task StopWorkerAsync(WorkerRuntime worker)
    {
        var entry = _workers.Single(w => w.Worker == worker);
        _workers.Remove(entry);
        await entry.Worker.StopAsync(TimeSpan.FromSeconds(10));
        await entry.Transport.DisposeAsync();
    }

    /// <summary>Starts a new worker at <paramref name="slot"/> with the executors the assignment gives it.</summary>
    public async Task<WorkerRuntime> StartWorkerAsync(WorkerEndpoint slot)
    {
        var services = new TopologyServices(Definition, Logs.CreateLogger("worker " + slot));
        var transport = new GrpcWorkerTransport(Definition.StormId, slot, IPAddress.Loopback, Logs, security: _security);
        var worker = new WorkerRuntime(Definition, Assignment, slot, services, transport);
        transport.Register(worker);
        await transport.StartAsync(CancellationToken.None);
        _workers.Add((worker, transport));
        worker.Start();
        return worker;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (worker, transport) in _workers.ToArray())
        {
            await worker.StopAsync(TimeSpan.FromSeconds(10));
            await transport.DisposeAsync();
        }

        _workers.Clear();
    }
}
