using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace StormSharp.ZooKeeper.Tests.Infrastructure;

/// <summary>
/// One Apache ZooKeeper server process from Debian's package, on loopback ports, with its output
/// captured so that a start-up failure reports what the server said.
/// </summary>
public sealed class ZooKeeperServer : IAsyncDisposable
{
    public const string InstallHint = "Apache ZooKeeper is not installed; run: deploy/install-deps zookeeper";
    public const string ZooKeeperJar = "/usr/share/java/zookeeper.jar";

    private readonly object _logLock = new();
    private readonly Queue<string> _log = new();
    private Process? _process;

    public ZooKeeperServer(int id, string directory, int clientPort, string configBody)
    {
        Id = id;
        Directory = directory;
        ClientPort = clientPort;
        ConfigPath = Path.Combine(directory, "zoo.cfg");
        var dataDir = Path.Combine(directory, "data");
        System.IO.Directory.CreateDirectory(dataDir);
        File.WriteAllText(Path.Combine(dataDir, "myid"), id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        File.WriteAllText(ConfigPath, $"""
            tickTime=500
            initLimit=10
            syncLimit=5
            dataDir={dataDir}
            clientPort={clientPort}
            clientPortAddress=127.0.0.1
            admin.enableServer=false
            4lw.commands.whitelist=srvr,ruok,stat,cons
            maxClientCnxns=0
            minSessionTimeout=1000
            maxSessionTimeout=30000
            {configBody}
            """);
    }

    public int Id { get; }

    public string Directory { get; }

    public int ClientPort { get; }

    public string ConfigPath { get; }

    public string Address => $"127.0.0.1:{ClientPort}";

    public bool IsRunning => _process is { HasExited: false };

    public static void EnsureInstalled()
    {
        if (!File.Exists(ZooKeeperJar))
        {
            throw new InvalidOperationException(InstallHint);
        }
    }

    public string CapturedLog()
    {
        lock (_logLock)
        {
            return string.Join('\n', _log);
        }
    }

    public void Start()
    {
        EnsureInstalled();
        var psi = new ProcessStartInfo("java")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Directory,
        };
        foreach (var arg in new[]
        {
            "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
            "-Dzookeeper.admin.enableServer=false",
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
            "-cp", $"{ZooKeeperJar}:/usr/share/java/slf4j-simple.jar",
            "org.apache.zookeeper.server.quorum.QuorumPeerMain", ConfigPath,
        })
        {
            psi.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Capture(e.Data);
        process.ErrorDataReceived += (_, e) => Capture(e.Data);
        process.Start();

        // Should the test host exit without disposing fixtures (a crash, an aborted run), the
        // servers must not outlive it.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillQuietly(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    /// <summary>Waits until the server serves clients (standalone, leader or follower), or fails with its log.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (_process is { HasExited: true })
            {
                throw new InvalidOperationException($"ZooKeeper server {Id} exited with {_process.ExitCode} during start-up. Its log:\n{CapturedLog()}");
            }

            var reply = await FourLetterWordAsync("srvr").ConfigureAwait(false);
            if (reply is not null && reply.Contains("Mode:", StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(100).ConfigureAwait(false);
        }

        throw new TimeoutException($"ZooKeeper server {Id} on {Address} not serving after {timeout.TotalSeconds:F0} s. Its log:\n{CapturedLog()}");
    }

    /// <summary>The server's role ("standalone", "leader", "follower") or null when not serving.</summary>
    public async Task<string?> ModeAsync()
    {
        var reply = await FourLetterWordAsync("srvr").ConfigureAwait(false);
        var line = reply?.Split('\n').FirstOrDefault(l => l.StartsWith("Mode:", StringComparison.Ordinal));
        return line?["Mode:".Length..].Trim();
    }

    public async Task<string?> FourLetterWordAsync(string word)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, ClientPort), cts.Token).ConfigureAwait(false);
            await socket.SendAsync(Encoding.ASCII.GetBytes(word), SocketFlags.None, cts.Token).ConfigureAwait(false);
            var buffer = new byte[8192];
            var sb = new StringBuilder();
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                sb.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }

            return sb.ToString();
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or IOException)
        {
            return null;
        }
    }

    /// <summary>Kills the server at once (no clean shutdown), as a crash would.</summary>
    public void Kill()
    {
        var p = _process;
        _process = null;
        if (p is null)
        {
            return;
        }

        try
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
                p.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        p.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        return ValueTask.CompletedTask;
    }

    private static void KillQuietly(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
        }
    }

    private void Capture(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logLock)
        {
            _log.Enqueue(line);
            while (_log.Count > 400)
            {
                _log.Dequeue();
            }
        }
    }
}
