using System.Diagnostics;
using StormSharp.Benchmarks.Cluster.Rig;

namespace StormSharp.Benchmarks.Faults.Rig;

/// <summary>
/// One process of the cluster on a host (a daemon run by <c>bin/storm</c>, or a ZooKeeper JVM), its output appended
/// to a log file. <c>ip netns exec</c> and <c>bin/storm</c> both exec, so the pid is the daemon's own.
/// </summary>
internal sealed class Daemon : IDisposable
{
    private readonly Func<ProcessStartInfo> _command;
    private Process? _process;

    public Daemon(string name, Host host, string log, Func<ProcessStartInfo> command)
    {
        Name = name;
        Host = host;
        Log = log;
        _command = command;
    }

    public string Name { get; }

    public Host Host { get; }

    public string Log { get; }

    public int Pid => _process?.Id ?? -1;

    public bool Running => _process is { HasExited: false };

    public void Start()
    {
        var psi = _command();
        var program = psi.FileName;
        var args = psi.ArgumentList.ToList();
        psi.FileName = "bash";
        psi.ArgumentList.Clear();
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec \"$0\" \"$@\" >>\"$FAULTS_DAEMON_LOG\" 2>&1 </dev/null");
        psi.ArgumentList.Add(program);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["FAULTS_DAEMON_LOG"] = Log;
        _process?.Dispose();
        _process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {Name}");
    }

    /// <summary>SIGKILL, as a crash or a lost host would; waits until it is gone.</summary>
    public void Kill()
    {
        if (Running)
        {
            _process!.Kill();
            _process.WaitForExit(10_000);
        }
    }

    /// <summary>SIGTERM, and SIGKILL after <paramref name="grace"/>.</summary>
    public void Stop(TimeSpan grace)
    {
        if (!Running)
        {
            return;
        }

        Signals.Send(Pid, Signals.SigTerm);
        if (!_process!.WaitForExit(grace))
        {
            Kill();
        }
    }

    /// <summary>The last lines of the log, for an error message.</summary>
    public string Tail(int lines = 40)
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

    public void Dispose()
    {
        Kill();
        _process?.Dispose();
    }
}
