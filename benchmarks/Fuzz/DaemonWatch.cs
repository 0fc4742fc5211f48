using StormSharp.Benchmarks.Cluster.Measurement;
using StormSharp.Benchmarks.Cluster.Rig;

namespace StormSharp.Benchmarks.Fuzz;

/// <summary>
/// Liveness by pid, checked between bursts: a fuzzed daemon that exited is a crash of its target (once), and so is a
/// worker of the topology whose pid changed (its supervisor restarted it) or that is gone; the supervisor, which owns
/// the slot ports, counts under <c>worker</c>.
/// </summary>
internal sealed class DaemonWatch
{
    private const string WorkerMarker = "StormSharp.Worker.dll";

    private readonly ClusterRig _rig;
    private readonly string _topologyId;
    private readonly IReadOnlyDictionary<string, TargetTally> _tallies;
    private readonly List<(string Name, string Target, StormProcess Process)> _daemons = [];
    private readonly HashSet<string> _dead = new(StringComparer.Ordinal);
    private HashSet<int> _workers;

    public DaemonWatch(ClusterRig rig, string topologyId, IReadOnlyDictionary<string, TargetTally> tallies, StormProcess? ui, StormProcess? logviewer)
    {
        _rig = rig;
        _topologyId = topologyId;
        _tallies = tallies;
        _daemons.Add(("nimbus", "nimbus", rig.NimbusProcess));
        _daemons.AddRange(rig.SupervisorProcesses.Select(s => (s.Name, "worker", s)));
        if (ui is not null)
        {
            _daemons.Add(("ui", "ui", ui));
        }

        if (logviewer is not null)
        {
            _daemons.Add(("logviewer", "logviewer", logviewer));
        }
        _workers = [.. rig.WorkerPids(topologyId)];
    }

    /// <summary>The worker pids being watched.</summary>
    public IReadOnlyCollection<int> Workers => _workers;

    /// <summary>Counts every exit and worker restart since the last check; true when all is as it was.</summary>
    public bool Check()
    {
        var ok = true;
        foreach (var (name, target, process) in _daemons)
        {
            if (process.HasExited && _dead.Add(name))
            {
                Bench.Log($"CRASH: {name} (pid {process.Pid}) exited; its log:\n{process.Tail(40)}");
                Count(target);
                ok = false;
            }
        }

        var now = _rig.WorkerPids(_topologyId).ToHashSet();
        var gone = _workers.Where(p => !Signals.IsAlive(p, WorkerMarker) || !now.Contains(p)).ToList();
        if (gone.Count > 0)
        {
            Bench.Log($"CRASH: worker pid(s) {string.Join(", ", gone)} of {_topologyId} gone or replaced (now: {string.Join(", ", now)})");
            foreach (var _ in gone)
            {
                Count("worker");
            }

            // The supervisor's replacements are watched from here on, so a second crash counts again.
            _workers = now;
            ok = false;
        }

        return ok;
    }

    private void Count(string target)
    {
        if (_tallies.TryGetValue(target, out var tally))
        {
            tally.Crashed();
        }
        else
        {
            _tallies.Values.First().Crashed();
        }
    }
}
