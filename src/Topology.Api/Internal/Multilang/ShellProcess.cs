using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace StormSharp.Topology.Internal.Multilang;

/// <summary>
/// One multilang subprocess: started with its working directory, spoken to over stdin/stdout in Storm's framing
/// (a JSON message, then a line <c>end</c>), its stderr forwarded to the log.
/// </summary>
/// <remarks>
/// Writes never block the caller: messages are framed into a buffer that a writer thread hands to the pipe, so a
/// subprocess that stops reading cannot stall its executor, whose heartbeat check then kills it. A reader thread
/// parses what the subprocess writes into a bounded queue (a subprocess that floods it waits on its pipe). Every live
/// subprocess is killed, with its descendants, when this process exits normally or on SIGTERM; one whose worker was
/// killed outright sees its stdin close (Storm's libraries exit on that when they next read).
/// </remarks>
internal sealed class ShellProcess : IDisposable
{
    private const int MaxPendingBytes = 64 << 20;
    private static readonly ConcurrentDictionary<ShellProcess, byte> Live = new();
    private static int _exitHookInstalled;

    private readonly Process _process;
    private readonly BlockingCollection<ShellMessage> _messages = new(boundedCapacity: 10_000);
    private readonly Action _wake;
    private readonly Action<int, string> _log;
    private readonly object _gate = new();
    private readonly Utf8JsonWriter _writer;
    private ArrayBufferWriter<byte> _pending = new(4096);
    private ArrayBufferWriter<byte> _spare = new(4096);
    private readonly Thread _writerThread;
    private volatile bool _closed;
    private long _lastHeard;

    private ShellProcess(Process process, string description, Action wake, Action<int, string> log)
    {
        _process = process;
        Description = description;
        _wake = wake;
        _log = log;
        _writer = new Utf8JsonWriter(_pending, new JsonWriterOptions { SkipValidation = true });
        _lastHeard = Stopwatch.GetTimestamp();
        new Thread(ReadLoop) { IsBackground = true, Name = "multilang-reader " + process.Id }.Start();
        new Thread(ErrorLoop) { IsBackground = true, Name = "multilang-stderr " + process.Id }.Start();
        _writerThread = new Thread(WriteLoop) { IsBackground = true, Name = "multilang-writer " + process.Id };
        _writerThread.Start();
    }

    /// <summary>The command line and pid, for error messages.</summary>
    public string Description { get; }

    /// <summary>The pid the subprocess reported in the handshake.</summary>
    public long Pid { get; private set; }

    /// <summary>The messages the subprocess sent, in order; a <see cref="ShellMessageKind.Broken"/> one ends them.</summary>
    public BlockingCollection<ShellMessage> Messages => _messages;

    /// <summary>The timestamp (<see cref="Stopwatch"/>) of the last message from the subprocess.</summary>
    public long LastHeard => Volatile.Read(ref _lastHeard);

    /// <summary>
    /// Starts <paramref name="command"/> in <paramref name="workingDirectory"/> and makes the handshake: sends the
    /// configuration, the context and the pid directory, and waits up to <paramref name="timeout"/> for the pid reply.
    /// </summary>
    /// <exception cref="ShellProcessException">The command cannot start, or the handshake fails or times out.</exception>
    public static ShellProcess Launch(
        IReadOnlyList<string> command,
        string workingDirectory,
        IReadOnlyDictionary<string, object?> conf,
        TopologyContext context,
        string pidDir,
        TimeSpan timeout,
        Action wake,
        Action<int, string> log)
    {
        var start = new ProcessStartInfo(command[0])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardErrorEncoding = new UTF8Encoding(false),
        };
        for (var i = 1; i < command.Count; i++)
        {
            start.ArgumentList.Add(command[i]);
        }

        var described = string.Join(' ', command);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new ShellProcessException($"'{described}' did not start");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new ShellProcessException($"cannot start '{described}' in {workingDirectory}: {e.Message}", e);
        }

        InstallExitHook();
        var shell = new ShellProcess(process, $"'{described}' (pid {process.Id})", wake, log);
        Live[shell] = 0;
        try
        {
            Directory.CreateDirectory(pidDir);
            shell.Send(w =>
            {
                w.WriteStartObject();
                w.WritePropertyName("conf");
                MultilangJson.WriteValue(w, conf);
                w.WritePropertyName("pidDir");
                w.WriteStringValue(pidDir);
                w.WritePropertyName("context");
                WriteContext(w, context);
                w.WriteEndObject();
            });
            if (!shell._messages.TryTake(out var reply, timeout))
            {
                throw new ShellProcessException($"{shell.Description} sent no pid within {timeout.TotalSeconds:0.#} s of the handshake");
            }

            if (reply.Kind != ShellMessageKind.Pid)
            {
                throw new ShellProcessException($"{shell.Description} answered the handshake with {(reply.Kind == ShellMessageKind.Broken ? reply.Msg : "command '" + reply.Command + "'")} instead of its pid");
            }

            shell.Pid = reply.Pid;
            return shell;
        }
        catch
        {
            shell.Dispose();
            throw;
        }
    }

    /// <summary>Frames one message; the writer thread sends it. Thread-safe, never blocks on the pipe.</summary>
    /// <exception cref="ShellProcessException">The subprocess has not read 64 MiB of what it was sent.</exception>
    public void Send(Action<Utf8JsonWriter> body)
    {
        lock (_gate)
        {
            if (_pending.WrittenCount > MaxPendingBytes)
            {
                throw new ShellProcessException($"{Description} has not read the last {MaxPendingBytes >> 20} MiB it was sent");
            }

            var wasEmpty = _pending.WrittenCount == 0;
            _writer.Reset(_pending);
            body(_writer);
            _writer.Flush();
            _pending.Write("\nend\n"u8);
            if (wasEmpty)
            {
                Monitor.Pulse(_gate);
            }
        }
    }

    /// <summary>Kills the subprocess and its descendants; idempotent.</summary>
    public void Dispose()
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        Live.TryRemove(this, out _);
        lock (_gate)
        {
            Monitor.PulseAll(_gate);
        }

        Kill();
        _process.Dispose();
    }

    /// <summary>How the process ended, if it has: for error messages.</summary>
    public string ExitInfo()
    {
        try
        {
            return _process.HasExited ? $", exit code {_process.ExitCode}" : "";
        }
        catch (InvalidOperationException)
        {
            return "";
        }
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            // Already gone.
        }
    }

    private void ReadLoop()
    {
        var text = new StringBuilder();
        try
        {
            var output = _process.StandardOutput;
            while (!_closed)
            {
                var line = output.ReadLine();
                if (line is null)
                {
                    Post(ShellMessage.Broken(text.Length == 0
                        ? $"{Description} closed its output{WaitExitInfo()}"
                        : $"{Description} closed its output in the middle of a message{WaitExitInfo()}: {ShellMessage.Clip(text.ToString())}"));
                    return;
                }

                if (line == "end")
                {
                    var message = ShellMessage.Parse(text.ToString());
                    text.Clear();
                    Volatile.Write(ref _lastHeard, Stopwatch.GetTimestamp());
                    Post(message);
                    if (message.Kind == ShellMessageKind.Broken)
                    {
                        return;
                    }

                    continue;
                }

                if (text.Length > 0)
                {
                    text.Append('\n');
                }

                text.Append(line);
                if (text.Length > MaxPendingBytes)
                {
                    Post(ShellMessage.Broken($"{Description} wrote {MaxPendingBytes >> 20} MiB without an 'end' line: {ShellMessage.Clip(text.ToString())}"));
                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            Post(ShellMessage.Broken($"reading from {Description} failed: {e.Message}"));
        }
    }

    private string WaitExitInfo()
    {
        try
        {
            _process.WaitForExit(1000);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
        }

        return ExitInfo();
    }

    private void Post(ShellMessage message)
    {
        try
        {
            while (!_closed && !_messages.TryAdd(message, 100))
            {
            }
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        _wake();
    }

    private void ErrorLoop()
    {
        try
        {
            var errors = _process.StandardError;
            while (errors.ReadLine() is { } line)
            {
                _log(3, $"{Description} stderr: {line}");
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    private void WriteLoop()
    {
        try
        {
            var input = _process.StandardInput.BaseStream;
            while (true)
            {
                ArrayBufferWriter<byte> batch;
                lock (_gate)
                {
                    while (_pending.WrittenCount == 0 && !_closed)
                    {
                        Monitor.Wait(_gate);
                    }

                    if (_closed)
                    {
                        return;
                    }

                    batch = _pending;
                    _pending = _spare;
                    _spare = batch;
                }

                input.Write(batch.WrittenSpan);
                input.Flush();
                batch.ResetWrittenCount();
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The reader sees the pipe close and reports it.
        }
    }

    private static void WriteContext(Utf8JsonWriter w, TopologyContext context)
    {
        // Storm's TopologyContext as JSON: the keys its multilang libraries and users read.
        w.WriteStartObject();
        w.WritePropertyName("task->component");
        w.WriteStartObject();
        foreach (var (task, component) in context.TaskToComponent)
        {
            w.WriteString(task.ToString(System.Globalization.CultureInfo.InvariantCulture), component);
        }

        w.WriteEndObject();
        w.WriteNumber("taskid", context.ThisTaskId);
        w.WriteString("componentid", context.ThisComponentId);
        w.WritePropertyName("stream->outputfields");
        w.WriteStartObject();
        if (context.Topology.ById.TryGetValue(context.ThisComponentId, out var me))
        {
            foreach (var (stream, declared) in me.Outputs)
            {
                w.WritePropertyName(stream);
                w.WriteStartArray();
                foreach (var f in declared.Fields)
                {
                    w.WriteStringValue(f);
                }

                w.WriteEndArray();
            }
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void InstallExitHook()
    {
        if (Interlocked.Exchange(ref _exitHookInstalled, 1) == 0)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                foreach (var shell in Live.Keys)
                {
                    shell.Dispose();
                }
            };
        }
    }
}

/// <summary>A multilang subprocess failed: it could not start, broke the protocol, died or stopped answering.</summary>
internal sealed class ShellProcessException(string message, Exception? inner = null) : Exception(message, inner);
