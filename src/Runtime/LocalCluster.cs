using System.Runtime.Loader;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StormSharp.Runtime.Configuration;
using StormSharp.Runtime.Execution;
using StormSharp.Runtime.Stats;
using StormSharp.Topology;

namespace StormSharp.Runtime;

/// <summary>
/// Runs topologies inside this process, with the same executors, routing and acking a worker uses, and cluster
/// state in memory: Storm's LocalCluster. For tests, <c>storm local</c>, and trying a topology without a cluster.
/// </summary>
public sealed class LocalCluster : IDisposable
{
    private readonly Dictionary<string, Running> _topologies = new(StringComparer.Ordinal);
    private readonly IReadOnlyDictionary<string, object?> _clusterConf;
    private readonly ILoggerFactory _loggerFactory;
    private readonly object _gate = new();
    private readonly TaskCompletionSource<(string Name, WorkerDeath Death)> _died = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _submitted;
    private bool _disposed;

    /// <summary>
    /// Creates the cluster. <paramref name="clusterConfig"/> overrides the defaults and <c>conf/storm.yaml</c>
    /// (read from <c>$STORM_CONF_DIR</c> or the current directory) for every topology; each topology's own config
    /// overrides both.
    /// </summary>
    public LocalCluster(IReadOnlyDictionary<string, object?>? clusterConfig = null, ILoggerFactory? loggerFactory = null)
    {
        var conf = ConfigLoader.Load();
        if (clusterConfig is not null)
        {
            foreach (var kv in clusterConfig)
            {
                conf[kv.Key] = kv.Value;
            }
        }

        _clusterConf = conf;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
    }

    /// <summary>
    /// Validates, builds and starts a topology; returns its id. Throws <see cref="InvalidTopologyException"/> naming
    /// each problem (graph, configuration, a component that cannot be rebuilt from its shipped state), and
    /// <see cref="InvalidOperationException"/> when a topology of that name is already running.
    /// </summary>
    public string SubmitTopology(string name, IDictionary<string, object?> config, StormTopology topology) =>
        Submit(name, config, topology, null);

    internal string Submit(string name, IDictionary<string, object?> config, StormTopology topology, Action<LocalTopology>? beforeStart)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(topology);
        TopologyValidator.ThrowIfInvalid(name, topology);
        ObjectDisposedException.ThrowIf(_disposed, this);

        var conf = new Dictionary<string, object?>(_clusterConf, StringComparer.Ordinal);
        foreach (var kv in config)
        {
            conf[kv.Key] = kv.Value;
        }

        conf[Config.TopologyName] = name;

        // Component types are found in the load context the submitting code runs in (storm local loads the user's
        // assembly into its own context and enters it before calling Main).
        var context = AssemblyLoadContext.CurrentContextualReflectionContext ?? AssemblyLoadContext.Default;
        Type? Resolve(string typeName)
        {
            try
            {
                return Type.GetType(typeName, an => context.LoadFromAssemblyName(an), null, throwOnError: false);
            }
            catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
            {
                return null;
            }
        }

        lock (_gate)
        {
            if (_topologies.ContainsKey(name))
            {
                throw new InvalidOperationException($"a topology named '{name}' is already running");
            }

            var id = $"{name}-{++_submitted}-{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}";
            var definition = new TopologyDefinition(id, name, topology, conf, Resolve);
            var services = new TopologyServices(definition, _loggerFactory.CreateLogger("StormSharp.Topology." + name));
            services.Died = death => _died.TrySetResult((name, death));
            var running = new LocalTopology(definition, services);
            _topologies[name] = new Running(running);
            beforeStart?.Invoke(running);
            running.Start();
            _loggerFactory.CreateLogger<LocalCluster>().LogInformation(
                "Started topology {Name} ({Id}): {Workers} workers, {Executors} executors, {Tasks} tasks",
                name, id, running.Workers.Count, running.Executors.Count, definition.TaskCount);
            return id;
        }
    }

    /// <summary>
    /// Completes when a worker of a topology here dies, as a worker process would (a Prepare or Open threw, or an
    /// Execute with <c>topology.worker.die.on.error</c>): the host decides what follows; <c>storm local</c> stops.
    /// </summary>
    internal Task<(string Name, WorkerDeath Death)> Died => _died.Task;

    /// <summary>Stops a topology: spouts are deactivated and closed, then bolts cleaned up. Throws when no such topology runs.</summary>
    public void KillTopology(string name, TimeSpan? timeout = null)
    {
        Running running;
        lock (_gate)
        {
            running = Get(name);
            _topologies.Remove(name);
        }

        var stuck = running.Topology.Stop(timeout ?? TimeSpan.FromSeconds(30));
        if (stuck.Count > 0)
        {
            _loggerFactory.CreateLogger<LocalCluster>().LogWarning(
                "Topology {Name}: executors of {Components} did not stop in time", name, string.Join(", ", stuck.Distinct()));
        }
    }

    /// <summary>Resumes calling the spouts' NextTuple.</summary>
    public void Activate(string name)
    {
        lock (_gate)
        {
            Get(name).Topology.Services.SetActive(true);
        }
    }

    /// <summary>Stops calling the spouts' NextTuple; tuples in flight still complete.</summary>
    public void Deactivate(string name)
    {
        lock (_gate)
        {
            Get(name).Topology.Services.SetActive(false);
        }
    }

    /// <summary>The names of the running topologies.</summary>
    public IReadOnlyList<string> GetTopologyNames()
    {
        lock (_gate)
        {
            return [.. _topologies.Keys.Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>The running topologies themselves, for a host that shows them (<c>storm local --ui</c>).</summary>
    internal IReadOnlyList<LocalTopology> RunningTopologies()
    {
        lock (_gate)
        {
            return [.. _topologies.Values.Select(r => r.Topology)];
        }
    }

    /// <summary>A running topology's summary and stats per component, stream and window.</summary>
    public TopologyInfo GetTopologyInfo(string name)
    {
        LocalTopology running;
        lock (_gate)
        {
            running = Get(name).Topology;
        }

        return running.Info();
    }

    /// <summary>Routes <see cref="StormSubmitter.SubmitTopology"/> to this cluster until the result is disposed.</summary>
    public IDisposable InstallAsSubmitter()
    {
        var previous = StormSubmitter.Install(new Submitter(this));
        return new Restore(previous);
    }

    /// <summary>Kills every topology.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var name in GetTopologyNames())
        {
            KillTopology(name);
        }
    }

    private Running Get(string name) =>
        _topologies.TryGetValue(name, out var r) ? r : throw new KeyNotFoundException($"no topology named '{name}' is running");

    private sealed record Running(LocalTopology Topology);

    private sealed class Submitter(LocalCluster cluster) : ITopologySubmitter
    {
        public void Submit(string name, IReadOnlyDictionary<string, object?> config, StormTopology topology) =>
            cluster.SubmitTopology(name, config.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal), topology);
    }

    private sealed class Restore(ITopologySubmitter? previous) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                StormSubmitter.Install(previous);
            }
        }
    }
}
