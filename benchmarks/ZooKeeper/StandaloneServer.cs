using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace StormSharp.Benchmarks.ZooKeeper;

/// <summary>Apache ZooKeeper from Debian's package, standalone on a free loopback port, in a temp directory.</summary>
internal sealed class StandaloneServer : IDisposable
{
    public const string ZooKeeperJar = "/usr/share/java/zookeeper.jar";
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private StandaloneServer(string directory, int port, Process process)
    {
        Directory = directory;
        Port = port;
        _process = process;
    }

    public string Directory { get; }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<StandaloneServer> StartAsync()
    {
        if (!File.Exists(ZooKeeperJar))
        {
            throw new InvalidOperationException("Apache ZooKeeper is not installed; run: deploy/install-deps zookeeper");
        }

        var dir = Path.Combine(Path.GetTempPath(), "zk-bench-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(Path.Combine(dir, "data"));
        var port = FreePort();
        var config = Path.Combine(dir, "zoo.cfg");
        await File.WriteAllTextAsync(config, $"""
            tickTime=2000
            dataDir={Path.Combine(dir, "data")}
            clientPort={port}
            clientPortAddress=127.0.0.1
            admin.enableServer=false
            4lw.commands.whitelist=srvr
            maxClientCnxns=0
            """);
        var psi = new ProcessStartInfo("java")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-Xmx1g", "-Dzookeeper.admin.enableServer=false", "-cp", $"{ZooKeeperJar}:/usr/share/java/slf4j-nop.jar", "org.apache.zookeeper.server.quorum.QuorumPeerMain", config })
        {
            psi.ArgumentList.Add(a);
        }

        var process = Process.Start(psi)!;
        var server = new StandaloneServer(dir, port, process);
        process.OutputDataReceived += (_, e) => server.Capture(e.Data);
        process.ErrorDataReceived += (_, e) => server.Capture(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"ZooKeeper exited during start-up:\n{server.Log}");
            }

            if (await IsServingAsync(port))
            {
                return server;
            }

            await Task.Delay(100);
        }

        server.Dispose();
        throw new TimeoutException($"ZooKeeper not serving after 60 s:\n{server.Log}");
    }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static async Task<bool> IsServingAsync(int port)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cts.Token);
            await socket.SendAsync("srvr"u8.ToArray(), SocketFlags.None, cts.Token);
            var buffer = new byte[4096];
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            return Encoding.ASCII.GetString(buffer, 0, n).Contains("Mode:", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or IOException)
        {
            return false;
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
            if (_log.Length < 200_000)
            {
                _log.AppendLine(line);
            }
        }
    }
}
