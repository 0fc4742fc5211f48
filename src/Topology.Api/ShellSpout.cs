using System.Diagnostics;
using System.Text.Json;
using StormSharp.Topology.Internal.Multilang;

namespace StormSharp.Topology;

/// <summary>
/// A spout written in another language, run as a subprocess per task that speaks Storm's multilang protocol (Storm's
/// <c>storm.py</c>, <c>storm.js</c> or <c>storm.rb</c> work unchanged). A subclass passes the command and declares
/// the outputs: <c>public SentenceSpout() : base("python3", "sentencespout.py") { }</c>.
/// </summary>
/// <remarks>
/// <para>Each <see cref="NextTuple"/>, <see cref="Ack"/>, <see cref="Fail"/>, <see cref="Activate"/> and
/// <see cref="Deactivate"/> sends the subprocess <c>{"command": "next" | "ack" | "fail" | "activate" |
/// "deactivate", "id"}</c> and takes its <c>emit</c>, <c>log</c>, <c>error</c> and <c>metrics</c> messages until it
/// answers <c>sync</c>. Emits with an <c>id</c> are tracked, and that id (a JSON string or number) comes back in
/// its <c>ack</c> or <c>fail</c>. The spout's executor runs on a thread of its own, since these calls wait on the
/// subprocess.</para>
/// <para>A subprocess that exits, does not answer within <c>topology.subprocess.timeout.secs</c> (default
/// <c>supervisor.worker.timeout.secs</c>, 30), writes what is not JSON or a command it does not know, is killed,
/// the error reported and a new one started; its tuples in flight time out and their fails go to the new one.</para>
/// </remarks>
public abstract class ShellSpout : IRichSpout, IShellComponent
{
    private static readonly long MaxRestartDelayTicks = Stopwatch.Frequency * 30;

    private readonly string[] _command;

    [NonSerialized] private ISpoutOutputCollector? _collector;
    [NonSerialized] private TopologyContext? _context;
    [NonSerialized] private IReadOnlyDictionary<string, object?>? _conf;
    [NonSerialized] private ShellProcess? _process;
    [NonSerialized] private Action<int, string>? _log;
    [NonSerialized] private string? _pidDir;
    [NonSerialized] private TimeSpan _timeout;
    [NonSerialized] private long _restartAt;
    [NonSerialized] private long _restartDelay;

    /// <summary>A spout that runs <paramref name="command"/> (the program, then its arguments) for each task.</summary>
    /// <exception cref="ArgumentException">No command was given.</exception>
    protected ShellSpout(params string[] command)
    {
        if (command is null || command.Length == 0 || string.IsNullOrWhiteSpace(command[0]))
        {
            throw new ArgumentException("a shell spout needs a command to run, e.g. (\"python3\", \"sentencespout.py\")", nameof(command));
        }

        _command = [.. command];
    }

    /// <summary>The command and its arguments.</summary>
    public IReadOnlyList<string> Command => _command;

    /// <summary>The pid of the running subprocess, or 0 while there is none.</summary>
    public long SubprocessPid => _process?.Pid ?? 0;

    /// <inheritdoc/>
    public abstract void DeclareOutputFields(IOutputFieldsDeclarer declarer);

    /// <summary>Runs the executor on a thread of its own (<c>topology.executor.dedicated.thread</c>): its calls wait on the subprocess.</summary>
    public virtual IDictionary<string, object?>? GetComponentConfiguration() =>
        new Dictionary<string, object?> { [Config.TopologyExecutorDedicatedThread] = true };

    void IShellComponent.Attach(Action wake, Action<int, string> log) => _log = log;

    bool IShellComponent.Pump() => false;

    /// <summary>Starts the subprocess and makes the handshake; throws when it cannot, which stops the worker, as in Storm.</summary>
    public virtual void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector)
    {
        _conf = conf;
        _context = context;
        _collector = collector;
        _log ??= ShellSupport.DefaultLog;
        _timeout = ShellSupport.Timeout(conf);
        _pidDir = ShellSupport.PidDirectory(context);
        Launch();
    }

    /// <summary>Kills the subprocess.</summary>
    public virtual void Close()
    {
        _process?.Dispose();
        _process = null;
        ShellSupport.RemovePidDirectory(_pidDir);
    }

    /// <inheritdoc/>
    public virtual void Activate() => Query("activate", "");

    /// <inheritdoc/>
    public virtual void Deactivate() => Query("deactivate", "");

    /// <inheritdoc/>
    public virtual void NextTuple() => Query("next", "");

    /// <inheritdoc/>
    public virtual void Ack(object msgId) => Query("ack", msgId);

    /// <inheritdoc/>
    public virtual void Fail(object msgId) => Query("fail", msgId);

    private void Query(string command, object? id)
    {
        if (_process is null && !TryRestart())
        {
            return;
        }

        var process = _process!;
        try
        {
            process.Send(w =>
            {
                w.WriteStartObject();
                w.WriteString("command", command);
                w.WritePropertyName("id");
                MultilangJson.WriteValue(w, id);
                w.WriteEndObject();
            });
            var deadline = Stopwatch.GetTimestamp() + ShellSupport.Ticks(_timeout);
            while (true)
            {
                var left = deadline - Stopwatch.GetTimestamp();
                if (left <= 0 || !process.Messages.TryTake(out var m, TimeSpan.FromSeconds((double)left / Stopwatch.Frequency)))
                {
                    Die($"{process.Description} did not answer '{command}' within {_timeout.TotalSeconds:0.#} s ({ShellSupport.SubprocessTimeoutKey}): it hangs");
                    return;
                }

                if (m.Kind == ShellMessageKind.Broken)
                {
                    Die(m.Msg!);
                    return;
                }

                if (m.Kind == ShellMessageKind.Pid)
                {
                    Die($"{process.Description} sent a pid outside the handshake");
                    return;
                }

                deadline = Stopwatch.GetTimestamp() + ShellSupport.Ticks(_timeout);
                switch (m.Command)
                {
                    case "sync":
                        return;
                    case "emit":
                        if (!Emit(process, m))
                        {
                            return;
                        }

                        break;
                    case "log":
                        _log!(m.Level, $"{_context!.ThisComponentId} task {_context.ThisTaskId}: {m.Msg}");
                        break;
                    case "error":
                        _collector!.ReportError(new ShellProcessException($"Shell process error: {m.Msg}"));
                        break;
                    case "metrics":
                        if (string.IsNullOrEmpty(m.Name))
                        {
                            Die($"{process.Description} sent a metrics message without a name");
                            return;
                        }

                        _log!(1, $"{_context!.ThisComponentId} task {_context.ThisTaskId}: metric {m.Name} = {JsonSerializer.Serialize(m.Params)}");
                        break;
                    default:
                        Die($"{process.Description} sent an unknown command '{m.Command}'");
                        return;
                }
            }
        }
        catch (ShellProcessException e)
        {
            Die(e.Message);
        }
    }

    private bool Emit(ShellProcess process, ShellMessage m)
    {
        if (m.Tuple is null)
        {
            Die($"{process.Description} sent an emit without a tuple");
            return false;
        }

        try
        {
            if (m.Task == 0)
            {
                var tasks = _collector!.Emit(m.Stream, m.Tuple, m.Id);
                if (m.NeedTaskIds)
                {
                    int[] reply = [.. tasks];
                    process.Send(w =>
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
                _collector!.EmitDirect(checked((int)m.Task), m.Stream, m.Tuple, m.Id);
            }

            return true;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or OverflowException)
        {
            Die($"{process.Description} emitted what the topology refuses: {e.Message}");
            return false;
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
            _timeout,
            static () => { },
            _log!);
    }

    private bool TryRestart()
    {
        if (Stopwatch.GetTimestamp() < _restartAt || _collector is null)
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
            _collector.ReportError(e);
            return false;
        }
    }

    private void Die(string why)
    {
        var process = _process;
        _process = null;
        var exit = process?.ExitInfo() ?? "";
        process?.Dispose();
        _collector!.ReportError(new ShellProcessException($"{why}{exit}; restarting it"));
        _restartAt = Stopwatch.GetTimestamp();
    }
}
