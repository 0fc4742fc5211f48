using System.Diagnostics;
using System.Globalization;

namespace StormSharp.Examples.OrderAnalytics;

/// <summary>
/// The pipeline's topology on a running cluster (<c>--cluster</c>) rather than in local mode: submitted with
/// <c>storm jar</c> (the cluster named by <c>STORM_CONF_DIR</c> or <c>~/.storm</c>, as every storm verb finds it),
/// killed with <c>storm kill</c>, and for chaos one of its worker processes SIGKILLed for its supervisor to restart.
/// </summary>
internal sealed class ClusterRun(string storm, string project)
{
    /// <summary>The topology's id, as storm jar printed it.</summary>
    public string? TopologyId { get; private set; }

    /// <summary>
    /// <c>storm jar</c> on this example's project, running <see cref="OrderAnalyticsTopology"/>'s Main with the
    /// pipeline's addresses, on two workers so that tuples cross processes.
    /// </summary>
    public async Task SubmitAsync(string bootstrap, string redis, bool chaos, string? hbaseRestUrl, CancellationToken ct)
    {
        List<string> args = ["jar", "-c", "topology.workers=2", project, typeof(OrderAnalyticsTopology).FullName!, bootstrap, redis, chaos ? "chaos" : "steady"];
        if (hbaseRestUrl is not null)
        {
            args.Add(hbaseRestUrl);
        }

        var output = await StormAsync(args, TimeSpan.FromMinutes(3), ct);
        TopologyId = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .LastOrDefault(l => l.StartsWith(OrderAnalyticsTopology.Name + "-", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"storm jar printed no topology id:\n{output}");
    }

    /// <summary>SIGKILLs one worker process of the topology on this host; its supervisor starts it again.</summary>
    public int? KillOneWorker()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            string cmdline;
            try
            {
                cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            if (cmdline.Contains("StormSharp.Worker.dll", StringComparison.Ordinal) && TopologyId is not null && cmdline.Contains(" " + TopologyId + " ", StringComparison.Ordinal))
            {
                try
                {
                    using var p = Process.GetProcessById(pid);
                    p.Kill();
                    return pid;
                }
                catch (ArgumentException)
                {
                    // Gone meanwhile: look for another.
                }
            }
        }

        return null;
    }

    /// <summary>Whether <see cref="KillAsync"/> succeeded.</summary>
    public bool Killed { get; private set; }

    /// <summary><c>storm kill</c>, waiting a second for in-flight tuples.</summary>
    public async Task KillAsync(CancellationToken ct)
    {
        await StormAsync(["kill", OrderAnalyticsTopology.Name, "-w", "1"], TimeSpan.FromMinutes(1), ct);
        Killed = true;
    }

    private async Task<string> StormAsync(IReadOnlyList<string> args, TimeSpan timeout, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(storm) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"{storm} did not start");
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(timeout);
        try
        {
            await p.WaitForExitAsync(bounded.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"storm {string.Join(' ', args)} did not finish in {timeout.TotalSeconds} s");
        }

        var output = await stdout;
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"storm {string.Join(' ', args)} exited {p.ExitCode}: {await stderr}{output}");
        }

        return output;
    }
}
