using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using StormSharp.Tests.Shared;

namespace StormSharp.OrderAnalytics.Tests;

/// <summary>
/// <c>deploy/cluster up</c> in a temporary run folder on free loopback ports (ZooKeeper, Nimbus, four slots), as a
/// user starts a development cluster; <see cref="DisposeAsync"/> runs <c>deploy/cluster down</c>, then kills by pid
/// whatever it left (the daemons' pid files, workers naming the folder) and removes the folder.
/// </summary>
public sealed class DevelopmentCluster : IAsyncDisposable
{
    private DevelopmentCluster(string folder, Dictionary<string, string> environment)
    {
        Folder = folder;
        Environment = environment;
    }

    public string Folder { get; }

    /// <summary>The variables deploy/cluster reads (STORM_CLUSTER_*).</summary>
    public Dictionary<string, string> Environment { get; }

    /// <summary>What a storm verb needs to reach this cluster.</summary>
    public string ConfDir => Path.Combine(Folder, "conf");

    public static async Task<DevelopmentCluster> UpAsync(TimeSpan timeout)
    {
        var folder = Directory.CreateTempSubdirectory("stormsharp-devcluster-").FullName;
        var ports = FreePorts(6);
        string P(int i) => ports[i].ToString(CultureInfo.InvariantCulture);
        var cluster = new DevelopmentCluster(folder, new Dictionary<string, string>
        {
            ["STORM_CLUSTER_DIR"] = folder,
            ["STORM_CLUSTER_ZK_PORT"] = P(0),
            ["STORM_CLUSTER_NIMBUS_PORT"] = P(1),
            ["STORM_CLUSTER_SLOTS1"] = $"{P(2)}, {P(3)}",
            ["STORM_CLUSTER_SLOTS2"] = $"{P(4)}, {P(5)}",
        });
        try
        {
            await cluster.RunAsync("up", timeout);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync("down", TimeSpan.FromMinutes(2));
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            // Killed by pid below.
        }

        foreach (var pidFile in Directory.Exists(Path.Combine(Folder, "pids")) ? Directory.GetFiles(Path.Combine(Folder, "pids")) : [])
        {
            if (int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                try
                {
                    using var p = Process.GetProcessById(pid);
                    if (File.ReadAllText($"/proc/{pid}/cmdline").Contains("storm", StringComparison.OrdinalIgnoreCase))
                    {
                        p.Kill(entireProcessTree: true);
                    }
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException)
                {
                    // Already gone.
                }
            }
        }

        WorkerProcesses.KillUnder(Folder);
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task RunAsync(string verb, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(Path.Combine(PipelineProcess.RepoRoot, "deploy", "cluster"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = PipelineProcess.RepoRoot,
        };
        psi.ArgumentList.Add(verb);
        foreach (var (key, value) in Environment)
        {
            psi.Environment[key] = value;
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"deploy/cluster {verb} did not finish in {timeout.TotalSeconds} s: {await stdout}{await stderr}");
        }

        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"deploy/cluster {verb} exited {p.ExitCode}: {await stdout}{await stderr}");
        }
    }

    /// <summary>Distinct loopback ports free a moment ago, held together while chosen so none repeats.</summary>
    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }
}
