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

    public void LogEmit(string componentId, int task, StreamInfo stream, IReadOnlyList<object?> values) =>
        Logger.LogInformation("Emitting: {Component} {Task} {Stream} [{Values}]", componentId, task, stream.StreamId, string.Join(", ", values));
}
