using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using StormSharp.Tests.Shared;

namespace StormSharp.Cli.Tests;

/// <summary>
/// The whole path as a user runs it, every step a <c>bin/storm</c> process: dev-zookeeper, nimbus and a supervisor
/// in the background, then jar, list and kill; the worker processes are the supervisor's. Ports are free loopback
/// ports, directories a temp folder, and every process started is stopped by pid at the end, pass or fail.
/// </summary>
public sealed class ClusterProcessTests : IAsyncLifetime
{
    private static readonly string WordCountDll = typeof(ClusterProcessTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "WordCountTargetPath").Value!;

    private static readonly string Storm = Path.Combine(RepoRoot.Path, "bin", "storm");

    private readonly string _dir = Directory.CreateTempSubdirectory("stormsharp-cluster-process-").FullName;
    private readonly List<(string Name, Process Process, StringBuilder Output)> _daemons = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var (_, process, _) in Enumerable.Reverse(_daemons))
        {
            await StopAsync(process);
        }

        // Workers are the supervisor's to stop; should one outlive it (a failed test), it goes by its pid too.
        WorkerProcesses.KillUnder(_dir);
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // A log still being closed: the temp folder is left, not the test's own outcome hidden.
        }
    }

    [Fact]
    public async Task BinStorm_DevZooKeeperNimbusSupervisorJarListKill_RunsWordCountOnTwoWorkerProcesses()
    {
        var zkPort = FreePort();
        var nimbusPort = FreePort();
        var slots = new[] { FreePort(), FreePort() };
        var conf = Path.Combine(_dir, "conf");
        Directory.CreateDirectory(conf);
        await File.WriteAllTextAsync(Path.Combine(conf, "storm.yaml"), $"""
            storm.zookeeper.servers: ["127.0.0.1"]
            storm.zookeeper.port: {zkPort}
            storm.zookeeper.root: "/process-test"
            nimbus.seeds: ["127.0.0.1"]
            nimbus.thrift.port: {nimbusPort}
            storm.local.hostname: "127.0.0.1"
            storm.log.dir: "{Path.Combine(_dir, "logs")}"
            dev.zookeeper.path: "{Path.Combine(_dir, "zookeeper")}"
            supervisor.slots.ports: [{slots[0]}, {slots[1]}]
            supervisor.monitor.frequency.secs: 1
            nimbus.monitor.freq.secs: 1
            """);

        // The first bin/storm call builds the CLI when sources changed; the daemons then start from that build.
        var version = await RunAsync(conf, TimeSpan.FromMinutes(5), "version");
        Assert.True(version.ExitCode == 0, $"storm version: {version}");

        Start("zookeeper", conf, "dev-zookeeper");
        await WaitForPortAsync("zookeeper", zkPort);
        Start("nimbus", conf, "nimbus", "-c", $"storm.local.dir={Path.Combine(_dir, "nimbus")}");
        await WaitForPortAsync("nimbus", nimbusPort);
        Start("supervisor", conf, "supervisor", "-c", $"storm.local.dir={Path.Combine(_dir, "supervisor")}");

        var jar = await RunAsync(conf, TimeSpan.FromMinutes(2), "jar", "-c", "topology.workers=2", WordCountDll, "StormSharp.Examples.WordCount.WordCountTopology");
        Assert.True(jar.ExitCode == 0, $"storm jar: {jar}\n{DaemonLogs()}");
        var id = jar.Stdout.Trim();
        Assert.StartsWith("word-count-", id, StringComparison.Ordinal);

        var list = await RunAsync(conf, TimeSpan.FromMinutes(1), "list");
        Assert.True(list.ExitCode == 0, $"storm list: {list}");
        var row = list.Stdout.Split('\n').Single(l => l.StartsWith("word-count ", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["word-count", "ACTIVE", "8", "2"], row[..4]);
        Assert.Equal(id, row[5]);

        // Two worker processes, their command lines naming the topology and their slot ports.
        await UntilAsync(() => WorkerCommandLines().Count == 2, TimeSpan.FromSeconds(60), () => $"two worker processes, have {WorkerCommandLines().Count}\n{DaemonLogs()}");
        Assert.All(slots, port => Assert.Contains(WorkerCommandLines(), c => c.Contains($"{id} ", StringComparison.Ordinal) && c.Contains($" {port} ", StringComparison.Ordinal)));

        // Counting across the workers shows in the reporter bolt's lines in a worker log.
        await UntilAsync(() => WorkerLogs().Contains("top words after", StringComparison.Ordinal), TimeSpan.FromSeconds(60), () => $"the reporter to print counts\n{WorkerLogs()}");

        var kill = await RunAsync(conf, TimeSpan.FromMinutes(1), "kill", "word-count", "-w", "1");
        Assert.True(kill.ExitCode == 0, $"storm kill: {kill}");
        await UntilAsync(() => WorkerCommandLines().Count == 0, TimeSpan.FromSeconds(60), () => $"the workers to stop after kill, {WorkerCommandLines().Count} left\n{DaemonLogs()}");
        var empty = await RunAsync(conf, TimeSpan.FromMinutes(1), "list");
        Assert.Contains("No topologies running.", empty.Stdout, StringComparison.Ordinal);

        // SIGTERM stops each daemon gracefully: exit code 0.
        foreach (var (name, process, _) in Enumerable.Reverse(_daemons))
        {
            var code = await StopAsync(process);
            Assert.True(code == 0, $"{name} exited with {code} on SIGTERM\n{DaemonLogs()}");
        }
    }

    private void Start(string name, string conf, params string[] args)
    {
        var info = Info(conf, args);
        var output = new StringBuilder();
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _daemons.Add((name, process, output));
    }

    private static Task<CliProcess.Result> RunAsync(string conf, TimeSpan timeout, params string[] args) =>
        CliProcess.RunAsync(Info(conf, args), timeout, args);

    private static ProcessStartInfo Info(string conf, string[] args)
    {
        var info = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        info.ArgumentList.Add(Storm);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["STORM_CONF_DIR"] = conf;
        return info;
    }

    /// <summary>SIGTERM, then SIGKILL after 40 s; returns the exit code.</summary>
    private static async Task<int> StopAsync(Process process)
    {
        if (process.HasExited)
        {
            return process.ExitCode;
        }

        using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(40));
        try
        {
            await process.WaitForExitAsync(grace.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }

        return process.ExitCode;
    }

    private async Task WaitForPortAsync(string name, int port)
    {
        var daemon = _daemons.Single(d => d.Name == name);
        await UntilAsync(
            () =>
            {
                using var client = new TcpClient();
                try
                {
                    client.Connect(IPAddress.Loopback, port);
                    return true;
                }
                catch (SocketException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(90),
            () => $"{name} to listen on port {port} (exited: {daemon.Process.HasExited})\n{Read(daemon.Output)}");
    }

    private List<string> WorkerCommandLines() => [.. WorkerProcesses.Under(_dir).Select(w => w.CommandLine)];

    private string WorkerLogs()
    {
        var logs = Path.Combine(_dir, "logs", "workers-artifacts");
        return Directory.Exists(logs)
            ? string.Join('\n', Directory.GetFiles(logs, "worker.log", SearchOption.AllDirectories).Select(f => $"--- {f} ---\n{Tail(File.ReadAllText(f))}"))
            : "(no worker logs)";
    }

    private string DaemonLogs() =>
        string.Join('\n', _daemons.Select(d => $"--- {d.Name} ---\n{Tail(Read(d.Output))}")) + "\n" + WorkerLogs();

    private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out after {timeout.TotalSeconds:0} s waiting for {what()}");
            await Task.Delay(200);
        }
    }

    private static void Append(StringBuilder sb, string? line)
    {
        if (line is not null)
        {
            lock (sb)
            {
                sb.AppendLine(line);
            }
        }
    }

    private static string Read(StringBuilder sb)
    {
        lock (sb)
        {
            return sb.ToString();
        }
    }
}
