using System.Diagnostics;
using Microsoft.Extensions.Logging;
using StormSharp.Runtime.Stats;
using StormSharp.Runtime.Tuples;

namespace StormSharp.Runtime.Execution;

/// <summary>
/// What the host of a topology's workers provides them while they run: whether spouts are active, where errors
/// go, the log. Local mode shares one between its workers; a worker process has its own, fed by its supervisor's
/// commands and reporting to the cluster. Executors read <see cref="Active"/> on their own schedule and wake on
/// <see cref="ActiveChanged"/>.
/// </summary>
internal sealed class TopologyServices
{
    private readonly Dictionary<string, ErrorLog> _errors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _lastErrorLog = new(StringComparer.Ordinal);
    private readonly long _startedAt = Stopwatch.GetTimestamp();
    private readonly string _name;
    private volatile bool _active;
    private WorkerDeath? _death;

    public TopologyServices(TopologyDefinition definition, ILogger logger, bool active = true)
    {
        _name = definition.Name;
        Logger = logger;
        _active = active;
        foreach (var id in definition.ComponentIds)
        {
            _errors[id] = new ErrorLog(definition.Settings.ErrorsKept);
        }
    }

    public ILogger Logger { get; }

    /// <summary>Whether spouts are asked for tuples (Storm's ACTIVE status).</summary>
    public bool Active => _active;

    /// <summary>Raised after <see cref="Active"/> changed, so that workers wake their executors to notice.</summary>
    public event Action? ActiveChanged;

    public TimeSpan Uptime => Stopwatch.GetElapsedTime(_startedAt);

    /// <summary>Testing only: sees every emitted tuple (component, stream, values) on the emitting thread; set before start.</summary>
    public Action<string, string, IReadOnlyList<object?>>? Capture { get; set; }

    /// <summary>Extra error sink, e.g. the cluster's error list; called on the reporting executor's thread.</summary>
    public Action<string, ErrorInfo>? ErrorReported { get; set; }

    /// <summary>
    /// What the host does when a component cannot go on (a Prepare or Open threw, or an Execute with
    /// <c>topology.worker.die.on.error</c>): a worker process exits so its supervisor restarts it, local mode stops the
    /// topology. Called once, on the reporting executor's thread, which it must not block; set before start.
    /// </summary>
    public Action<WorkerDeath>? Died { get; set; }

    /// <summary>The first fatal error, or null while there is none.</summary>
    public WorkerDeath? Death => _death;

    public void SetActive(bool active)
    {
        _active = active;
        ActiveChanged?.Invoke();
    }

    public IReadOnlyList<ErrorInfo> ErrorsOf(string componentId) =>
        _errors.TryGetValue(componentId, out var log) ? log.Snapshot() : [];

    public void ReportError(string componentId, int task, Exception error)
    {
        var log = _errors.TryGetValue(componentId, out var l) ? l : null;
        var info = new ErrorInfo(DateTimeOffset.UtcNow, task, error.GetType().Name + ": " + error.Message, error.ToString());
        log?.Add(info);
        ErrorReported?.Invoke(componentId, info);

        // A bolt that throws on every tuple must not flood the log: one line per component per 5 seconds.
        var now = Stopwatch.GetTimestamp();
        lock (_lastErrorLog)
        {
            if (_lastErrorLog.TryGetValue(componentId, out var last) && now - last < 5 * Stopwatch.Frequency)
            {
                return;
            }

            _lastErrorLog[componentId] = now;
        }

        Logger.LogWarning(error, "Topology {Topology}: component {Component} task {Task} reported an error ({Total} so far)", _name, componentId, task, log?.Total ?? 1);
    }

    /// <summary>
    /// Reports an error the worker cannot go on after: recorded as any error, logged, and handed to <see cref="Died"/>
    /// the first time. The executor goes on failing its tuples until the host stops it.
    /// </summary>
    public void ReportFatal(string componentId, int task, string phase, Exception error)
    {
        ReportError(componentId, task, error);
        var death = new WorkerDeath(componentId, task, phase, error);
        if (Interlocked.CompareExchange(ref _death, death, null) is not null)
        {
            return;
        }

        Logger.LogError(error, "Topology {Topology}: component {Component} task {Task} threw in {Phase}; the worker stops", _name, componentId, task, phase);
        Died?.Invoke(death);
    }

    public void LogEmit(string componentId, int task, StreamInfo stream, IReadOnlyList<object?> values) =>
        Logger.LogInformation("Emitting: {Component} {Task} {Stream} [{Values}]", componentId, task, stream.StreamId, string.Join(", ", values));
}

/// <summary>Why a worker stopped: the component and task whose <paramref name="Phase"/> (Prepare, Open, Execute, ...) threw <paramref name="Error"/>.</summary>
internal sealed record WorkerDeath(string ComponentId, int Task, string Phase, Exception Error)
{
    public override string ToString() => $"component '{ComponentId}' task {Task} threw in {Phase}: {Error.GetType().Name}: {Error.Message}";
}
