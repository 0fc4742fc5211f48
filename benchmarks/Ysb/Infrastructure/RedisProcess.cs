using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace StormSharp.Benchmarks.Ysb.Infrastructure;

/// <summary>
/// Debian's redis-server on a free loopback port, its data in a temporary folder and on no disk (no snapshots, no
/// append-only file: YSB's Redis is a results store, not a durable one). Stopped by its pid; the folder is removed.
/// </summary>
public sealed class RedisProcess : IDisposable
{
    /// <summary>Where Debian's package puts the server.</summary>
    public const string Executable = "/usr/bin/redis-server";

    private readonly StringBuilder _log = new();
    private readonly Process _process;
    private readonly string _directory;

    private RedisProcess(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    /// <summary>The port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>host:port.</summary>
    public string Address => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    /// <summary>The server's pid.</summary>
    public int Pid => _process.Id;

    /// <summary>Starts a server and waits until it accepts connections; throws naming the problem when it does not.</summary>
    public static RedisProcess Start(TimeSpan? timeout = null)
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException("redis-server is not installed; run: deploy/install-deps redis");
        }

        var directory = Path.Combine(Path.GetTempPath(), "stormsharp-ysb-redis-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var port = FreePort();
        var psi = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (var a in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", directory, "--save", "", "--appendonly", "no", "--daemonize", "no" })
        {
            psi.ArgumentList.Add(a);
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = psi };
        var redis = new RedisProcess(process, directory, port);
        void Capture(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (redis._log)
            {
                redis._log.AppendLine(line);
            }

            if (line.Contains("Ready to accept connections", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        }

        process.OutputDataReceived += (_, e) => Capture(e.Data);
        process.ErrorDataReceived += (_, e) => Capture(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var wait = timeout ?? TimeSpan.FromSeconds(15);
        var exited = process.WaitForExitAsync();
        var which = Task.WaitAny([ready.Task, exited], wait);
        if (which != 0)
        {
            redis.Dispose();
            throw which == 1
                ? new InvalidOperationException($"redis-server exited during start-up:\n{redis._log}")
                : new TimeoutException($"redis-server on port {port} was not ready in {wait.TotalSeconds:0} s:\n{redis._log}");
        }

        return redis;
    }

    /// <summary>Kills the server and removes its folder.</summary>
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started, or gone already.
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        try
        {
            return ((IPEndPoint)l.LocalEndpoint).Port;
        }
        finally
        {
            l.Stop();
        }
    }
}
