using System.Diagnostics;
using StormSharp.Benchmarks.Cluster.Measurement;

namespace StormSharp.Benchmarks.Cluster.Rig;

/// <summary>
/// One <c>bin/storm</c> process started by this suite, as a user would start it, its output appended to a log file.
/// <c>bin/storm</c> execs <c>dotnet</c>, so the pid is the daemon's own; being this process's child, the pid cannot be
/// reused by another process before this one waits for it.
/// </summary>
internal sealed class StormProcess : IDisposable
{
    private readonly Process _process;

    private StormProcess(Process process, string name, string log)
    {
        _process = process;
        Name = name;
        Log = log;
    }

    public string Name { get; }

    public string Log { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>CPU seconds used so far (NaN once it has exited).</summary>
    public double CpuSeconds => CpuClock.Seconds(Pid);

    public static StormProcess Start(string storm, string confDir, string log, string name, params string[] args) =>
        Start(storm, confDir, log, name, token: null, args);

    /// <summary>As <see cref="Start(string, string, string, string, string[])"/>, presenting <paramref name="token"/> (<c>STORM_AUTH_TOKEN</c>) when set.</summary>
    public static StormProcess Start(string storm, string confDir, string log, string name, string? token, string[] args)
    {
        var psi = new ProcessStartInfo("bash") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec \"$0\" \"$@\" >>\"$STORM_BENCH_LOG\" 2>&1 </dev/null");
        psi.ArgumentList.Add(storm);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["STORM_CONF_DIR"] = confDir;
        psi.Environment["STORM_BENCH_LOG"] = log;
        if (token is not null)
        {
            psi.Environment["STORM_AUTH_TOKEN"] = token;
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {storm} {string.Join(' ', args)}");
        return new StormProcess(process, name, log);
    }

    /// <summary>Runs a one-shot verb to its end; throws with the log's tail when it fails or outlasts <paramref name="timeout"/>.</summary>
    public static void Run(string storm, string confDir, string log, TimeSpan timeout, params string[] args) =>
        Run(storm, confDir, log, timeout, token: null, args);

    /// <summary>As <see cref="Run(string, string, string, TimeSpan, string[])"/>, presenting <paramref name="token"/> when set.</summary>
    public static void Run(string storm, string confDir, string log, TimeSpan timeout, string? token, string[] args)
    {
        using var p = Start(storm, confDir, log, args[0], token, args);
        if (!p._process.WaitForExit(timeout))
        {
            p.Stop(TimeSpan.FromSeconds(5));
            throw new TimeoutException($"storm {string.Join(' ', args)} did not finish in {timeout.TotalSeconds:0} s; log {log}:\n{p.Tail()}");
        }

        if (p._process.ExitCode != 0)
        {
            throw new InvalidOperationException($"storm {string.Join(' ', args)} exited with {p._process.ExitCode}; log {log}:\n{p.Tail()}");
        }
    }

    /// <summary>SIGTERM, and SIGKILL after <paramref name="grace"/>; waits until it has exited.</summary>
    public void Stop(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        Signals.Stop(Pid, string.Empty, grace);
        if (!_process.WaitForExit(TimeSpan.FromSeconds(5)))
        {
            _process.Kill();
            _process.WaitForExit(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>The last lines of the log, for an error message.</summary>
    public string Tail(int lines = 30)
    {
        try
        {
            var all = File.ReadAllLines(Log);
            return string.Join('\n', all[Math.Max(0, all.Length - lines)..]);
        }
        catch (IOException e)
        {
            return $"(no log: {e.Message})";
        }
    }

    public void Dispose() => _process.Dispose();
}
