using System.Diagnostics;
using System.Text;

namespace StormSharp.Connectors.Tests.Infrastructure;

/// <summary>
/// A redis-server process on a free loopback port with its data in a temporary directory (append-only file, fsync
/// on every write, so a restart keeps every acknowledged write). Stopped by its pid; the directory is removed.
/// </summary>
public sealed class RedisServer : IDisposable
{
    public const string Executable = "/usr/bin/redis-server";

    private readonly StringBuilder _log = new();
    private Process? _process;
    private TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly IReadOnlyList<string> _extraArguments;

    public RedisServer()
        : this([], Ports.Free())
    {
    }

    /// <summary>A server with <paramref name="extraArguments"/> added to its command line (cluster mode, say) on <paramref name="port"/>.</summary>
    public RedisServer(IReadOnlyList<string> extraArguments, int port)
    {
        _extraArguments = extraArguments;
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException("redis-server is not installed; run: deploy/install-deps redis");
        }

        Directory = Path.Combine(Path.GetTempPath(), "stormsharp-redis-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(Directory);
        Port = port;
        Start();
    }

    public string Directory { get; }

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    public int Pid => _process?.Id ?? 0;

    public void Start()
    {
        var psi = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Directory,
        };
        foreach (var a in new[]
        {
            "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", Directory,
            "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--daemonize", "no", "--protected-mode", "yes",
        })
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var a in _extraArguments)
        {
            psi.ArgumentList.Add(a);
        }

        _ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => Capture(e.Data);
        p.ErrorDataReceived += (_, e) => Capture(e.Data);
        p.Start();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillQuietly(p);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        _process = p;
        WaitReady(TimeSpan.FromSeconds(15));
    }

    /// <summary>Kills the server at once (SIGKILL), as a crash would.</summary>
    public void Kill()
    {
        var p = _process;
        _process = null;
        if (p is not null)
        {
            KillQuietly(p);
            p.Dispose();
        }
    }

    public void Dispose()
    {
        Kill();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void KillQuietly(Process p)
    {
        try
        {
            if (!p.HasExited)
            {
                p.Kill();
                p.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    private void Capture(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }

        if (line.Contains("Ready to accept connections", StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }
    }

    private void WaitReady(TimeSpan timeout)
    {
        // redis-server says when it serves; its exit ends the wait too.
        using var cts = new CancellationTokenSource(timeout);
        var exited = _process!.WaitForExitAsync(cts.Token);
        var which = Task.WaitAny([_ready.Task, exited], timeout);
        cts.Cancel();
        if (which == 0)
        {
            return;
        }

        throw which == 1 && exited.IsCompletedSuccessfully
            ? new InvalidOperationException($"redis-server exited during start-up:\n{_log}")
            : new TimeoutException($"redis-server on {Address} was not ready in {timeout.TotalSeconds} s:\n{_log}");
    }
}
