using System.Diagnostics;

namespace StormSharp.Connectors.Tests.Infrastructure;

/// <summary>
/// A Redis Cluster of three masters (no replicas): three redis-server processes in cluster mode on free loopback
/// ports, their 16384 slots spread by <c>redis-cli --cluster create</c>, ready when every node says
/// <c>cluster_state:ok</c>. Every process is stopped by its pid and its directory removed.
/// </summary>
public sealed class RedisClusterServers : IDisposable
{
    public const string Cli = "/usr/bin/redis-cli";

    private readonly List<RedisServer> _nodes = [];

    public RedisClusterServers()
    {
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var port = Ports.FreeWithBus();
                _nodes.Add(new RedisServer(["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000"], port));
            }

            var create = new List<string> { "--cluster", "create" };
            create.AddRange(_nodes.Select(n => n.Address));
            create.AddRange(["--cluster-replicas", "0", "--cluster-yes"]);
            RunCli(create, TimeSpan.FromSeconds(60));

            var deadline = Stopwatch.StartNew();
            while (!_nodes.All(n => RunCli(["-p", n.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "cluster", "info"], TimeSpan.FromSeconds(10)).Contains("cluster_state:ok", StringComparison.Ordinal)))
            {
                if (deadline.Elapsed > TimeSpan.FromSeconds(60))
                {
                    throw new TimeoutException("the Redis Cluster did not reach cluster_state:ok on every node in 60 s");
                }

                Thread.Sleep(200);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The nodes, host:port each.</summary>
    public IReadOnlyList<string> Addresses => [.. _nodes.Select(n => n.Address)];

    public void Dispose()
    {
        foreach (var n in _nodes)
        {
            n.Dispose();
        }

        _nodes.Clear();
    }

    private static string RunCli(IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        if (!File.Exists(Cli))
        {
            throw new InvalidOperationException("redis-cli is not installed; run: deploy/install-deps redis");
        }

        var psi = new ProcessStartInfo(Cli) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill();
            p.WaitForExit(5_000);
            throw new TimeoutException($"redis-cli {string.Join(' ', arguments)} did not finish in {timeout.TotalSeconds} s");
        }

        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"redis-cli {string.Join(' ', arguments)} exited {p.ExitCode}: {output.Result}{error.Result}");
        }

        return output.Result;
    }
}
