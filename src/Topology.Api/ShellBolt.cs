using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using StormSharp.Topology.Internal.Multilang;

namespace StormSharp.Topology;

/// <summary>
/// A bolt written in another language, run as a subprocess per task that speaks Storm's multilang protocol over its
/// stdin and stdout: Storm's own <c>storm.py</c>, <c>storm.js</c> or <c>storm.rb</c> work unchanged. A subclass passes
/// the command and declares the outputs: <c>public SplitSentence() : base("python3", "splitsentence.py") { }</c>.
/// </summary>
/// <remarks>
/// <para>The subprocess runs in the package's <c>resources/</c> folder (a topology project's <c>resources/</c>
/// folder is copied to its build output and shipped with it). It receives the topology's configuration and context
/// in the handshake, then each input as <c>{"id", "comp", "stream", "task", "tuple"}</c>, and answers with
/// <c>emit</c> (on a stream, anchored to input ids, to a direct task, replied to with the task ids unless
/// <c>need_task_ids</c> is false), <c>ack</c>, <c>fail</c>, <c>log</c>, <c>error</c>, <c>metrics</c> and
/// <c>sync</c>. Every second it is sent a <c>__heartbeat</c> tuple it must answer with <c>sync</c>.</para>
/// <para>A subprocess that exits, sends nothing for <c>topology.subprocess.timeout.secs</c> (default
/// <c>supervisor.worker.timeout.secs</c>, 30), writes what is not JSON or a command it does not know, or acks an
/// id it was not given, is killed: the error is reported, every input it held is failed (so the spouts replay them)
/// and a new subprocess is started. The worker and its other tasks go on. Subprocesses are killed with the task.</para>
/// <para>Values reach the subprocess as JSON: numbers, strings, booleans and null as themselves; char, Guid and
/// DateTime as strings; byte arrays as base64; lists as arrays, maps as objects. Values it emits come back as long
/// (integral numbers), double, string, bool, null, <c>List&lt;object?&gt;</c> and <c>Dictionary&lt;string, object?&gt;</c>.</para>
/// </remarks>
public abstract class ShellBolt : IRichBolt, IShellComponent
{
    private static readonly long HeartbeatTicks = Stopwatch.Frequency;
    private static readonly long MaxRestartDelayTicks = Stopwatch.Frequency * 30;

    private readonly string[] _command;

    [NonSerialized] private IOutputCollector? _collector;
    [NonSerialized] private TopologyContext? _context;
    [NonSerialized] private IReadOnlyDictionary<string, object?>? _conf;
    [NonSerialized] private ShellProcess? _process;
    [NonSerialized] private Dictionary<string, ITuple>? _inputs;
    [NonSerialized] private Action? _wake;
    [NonSerialized] private Action<int, string>? _log;
    [NonSerialized] private string? _pidDir;
    [NonSerialized] private long _timeoutTicks;
    [NonSerialized] private long _nextHeartbeat;
    [NonSerialized] private long _restartAt;
    [NonSerialized] private long _restartDelay;
    [NonSerialized] private long _nextId;
    [NonSerialized] private List<ITuple>? _anchors;

    /// <summary>A bolt that runs <paramref name="command"/> (the program, then its arguments) for each task.</summary>
    /// <exception cref="ArgumentException">No command was given.</exception>
    protected ShellBolt(params string[] command)
    {
        if (command is null || command.Length == 0 || string.IsNullOrWhiteSpace(command[0]))
        {
            throw new ArgumentException("a shell bolt needs a command to run, e.g. (\"python3\", \"splitsentence.py\")", nameof(command));
        }

        _command = [.. command];
    }

    /// <summary>The command and its arguments.</summary>
    public IReadOnlyList<string> Command => _command;

    /// <summary>The pid of the running subprocess, or 0 while there is none.</summary>
    public long SubprocessPid => _process?.Pid ?? 0;

    /// <inheritdoc/>
    public abstract void DeclareOutputFields(IOutputFieldsDeclarer declarer);

    /// <inheritdoc/>
    public virtual IDictionary<string, object?>? GetComponentConfiguration() => null;

    void IShellComponent.Attach(Action wake, Action<int, string> log)
    {
        _wake = wake;
        _log = log;
    }

    /// <summary>Starts the subprocess and makes the handshake; throws when it cannot, which stops the worker, as in Storm.</summary>
    public virtual void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector)
    {
        _conf = conf;
        _context = context;
        _collector = collector;
        _inputs = new Dictionary<string, ITuple>(StringComparer.Ordinal);
        _anchors = [];
        _wake ??= static () => { };
        _log ??= ShellSupport.DefaultLog;
        _timeoutTicks = ShellSupport.Ticks(ShellSupport.Timeout(conf));
        _pidDir = ShellSupport.PidDirectory(context);
        Launch();
    }

    /// <summary>Hands <paramref name="input"/> to the subprocess; it acks or fails it. Fails it at once while no subprocess runs.</summary>
    public virtual void Execute(ITuple input)
    {
        if (_process is null && !TryRestart())
        {
            _collector!.Fail(input);
            return;
        }

        var id = (++_nextId).ToString(CultureInfo.InvariantCulture);
        _inputs![id] = input;
        try
        {
            _process!.Send(w =>
            {
                w.WriteStartObject();
                w.WriteString("id", id);
                w.WriteString("comp", input.SourceComponent);
                w.WriteString("stream", input.SourceStreamId);
                w.WriteNumber("task", input.SourceTask);
                w.WritePropertyName("tuple");
                MultilangJson.WriteValue(w, input.Values);
                w.WriteEndObject();
            });
        }
        catch (ShellProcessException e)
        {
            Die(e.Message);
        }
    }

    /// <summary>Kills the subprocess.</summary>
    public virtual void Cleanup()
    {
        _process?.Dispose();
        _process = null;
        _inputs?.Clear();
        ShellSupport.RemovePidDirectory(_pidDir);
    }

    bool IShellComponent.Pump()
    {
        var now = Stopwatch.GetTimestamp();
        var process = _process;
        if (process is null)
        {
            return now >= _restartAt && _collector is not null && TryRestart();
        }

        var progressed = false;
        for (var budget = 1024; budget > 0 && process.Messages.TryTake(out var message); budget--)
        {
            progressed = true;
            if (!Handle(message))
            {
                return true;
            }
        }

        if (now - process.LastHeard > _timeoutTicks)
        {
            Die($"{process.Description} sent nothing for {_timeoutTicks / Stopwatch.Frequency} s ({ShellSupport.SubprocessTimeoutKey}): it hangs");
            return true;
        }

        if (now >= _nextHeartbeat)
        {
            _nextHeartbeat = now + HeartbeatTicks;
            Send(static w =>
            {
                w.WriteStartObject();
                w.WriteString("id", "heartbeat");
                w.WriteNull("comp");
                w.WriteString("stream", "__heartbeat");
                w.WriteNumber("task", -1);
                w.WriteStartArray("tuple");
                w.WriteEndArray();
                w.WriteEndObject();
            });
        }

        return progressed;
    }

    /// <summary>Handles one message; false when the subprocess was killed for it.</summary>
    private bool Handle(ShellMessage m)
    {
        if (m.Kind == ShellMessageKind.Broken)
        {
            Die(m.Msg!);
            return false;
        }

        if (m.Kind == ShellMessageKind.Pid)
        {
            Die($"{_process!.Description} sent a pid outside the handshake");
            return false;
        }

        switch (m.Command)
        {
            case "emit":
                return HandleEmit(m);
            case "ack":
            case "fail":
                var id = Convert.ToString(m.Id, CultureInfo.InvariantCulture);
                if (id is null || !_inputs!.Remove(id, out var input))
                {
                    Die($"{_process!.Description} {(m.Command == "ack" ? "acked" : "failed")} '{id}', which is not a tuple it holds (never sent, or acked or failed already)");
                    return false;
                }

                if (m.Command == "ack")
                {
                    _collector!.Ack(input);
                }
                else
                {
                    _collector!.Fail(input);
                }

                return true;
            case "sync":
                return true;
            case "log":
                _log!(m.Level, $"{_context!.ThisComponentId} task {_context.ThisTaskId}: {m.Msg}");
                return true;
            case "error":
                _collector!.ReportError(new ShellProcessException($"Shell process error: {m.Msg}"));
                return true;
            case "metrics":
                if (string.IsNullOrEmpty(m.Name))
                {
                    Die($"{_process!.Description} sent a metrics message without a name");
                    return false;
                }

                _log!(1, $"{_context!.ThisComponentId} task {_context.ThisTaskId}: metric {m.Name} = {JsonSerializer.Serialize(m.Params)}");
                return true;
            default:
                Die($"{_process!.Description} sent an unknown command '{m.Command}'");
                return false;
        }
    }

    private bool HandleEmit(ShellMessage m)
    {
        if (m.Tuple is null)
        {
            Die($"{_process!.Description} sent an emit without a tuple");
            return false;
        }

        var anchors = _anchors!;
        anchors.Clear();
        if (m.Anchors is { } ids)
        {
            foreach (var id in ids)
            {
                if (!_inputs!.TryGetValue(id, out var anchor))
                {
                    Die($"{_process!.Description} anchored an emit to '{id}', which is not a tuple it holds (acked or failed already?)");
                    return false;
                }

                anchors.Add(anchor);
            }
        }

        try
        {
            if (m.Task == 0)
            {
                var tasks = _collector!.Emit(m.Stream, anchors, m.Tuple);
                if (m.NeedTaskIds)
                {
                    int[] reply = [.. tasks];
                    Send(w =>
                    {
                        w.WriteStartArray();
                        foreach (var t in reply)
                        {
                            w.WriteNumberValue(t);
                        }

                        w.WriteEndArray();
                    });
                }
            }
            else
            {
                _collector!.EmitDirect(checked((int)m.Task), m.Stream, anchors, m.Tuple);
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or OverflowException)
        {
            // An emit the topology refuses (an undeclared stream, a wrong number of values) is the subprocess's bug.
            Die($"{_process!.Description} emitted what the topology refuses: {e.Message}");
            return false;
        }

        return true;
    }

    private void Send(Action<System.Text.Json.Utf8JsonWriter> body)
    {
        try
        {
            _process?.Send(body);
        }
        catch (ShellProcessException e)
        {
            Die(e.Message);
        }
    }

    private void Launch()
    {
        _process = ShellProcess.Launch(
            _command,
            ShellSupport.ResourcesDirectory(GetType()),
            _conf!,
            _context!,
            _pidDir!,
            TimeSpan.FromTicks(_timeoutTicks * TimeSpan.TicksPerSecond / Stopwatch.Frequency),
            _wake!,
            _log!);
        _nextHeartbeat = Stopwatch.GetTimestamp() + HeartbeatTicks;
    }

    private bool TryRestart()
    {
        if (Stopwatch.GetTimestamp() < _restartAt)
        {
            return false;
        }

        try
        {
            Launch();
            _restartDelay = 0;
            _log!(2, $"{_context!.ThisComponentId} task {_context.ThisTaskId}: restarted {_process!.Description}");
            return true;
        }
        catch (ShellProcessException e)
        {
            _restartDelay = Math.Min(MaxRestartDelayTicks, Math.Max(Stopwatch.Frequency / 10, _restartDelay * 2));
            _restartAt = Stopwatch.GetTimestamp() + _restartDelay;
            _collector!.ReportError(e);
            return false;
        }
    }

    /// <summary>Kills the subprocess, reports why, fails every input it held; the next input or pump starts another.</summary>
    private void Die(string why)
    {
        var process = _process;
        _process = null;
        var exit = process?.ExitInfo() ?? "";
        process?.Dispose();
        _collector!.ReportError(new ShellProcessException($"{why}{exit}; failing its {_inputs!.Count} pending tuples and restarting it"));
        foreach (var input in _inputs.Values)
        {
            _collector.Fail(input);
        }

        _inputs.Clear();
        _restartAt = Stopwatch.GetTimestamp();
        _wake?.Invoke();
    }
}
