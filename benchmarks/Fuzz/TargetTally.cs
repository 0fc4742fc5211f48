using System.Collections.Concurrent;

namespace StormSharp.Benchmarks.Fuzz;

/// <summary>One target's counts, updated by the concurrent loops that fuzz it.</summary>
internal sealed class TargetTally(string name)
{
    /// <summary>How many accepted inputs are described in the log; the count goes on.</summary>
    private const int KeptExamples = 20;

    private readonly ConcurrentDictionary<string, long> _outcomes = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _accepted = new();
    private long _inputs;
    private long _acceptedCount;
    private long _crashes;

    public string Name { get; } = name;

    public long Inputs => Interlocked.Read(ref _inputs);

    public long AcceptedWithoutCredentials => Interlocked.Read(ref _acceptedCount);

    public long DaemonCrashes => Interlocked.Read(ref _crashes);

    /// <summary>Whether the control input (valid credentials) was seen as accepted by the same classification.</summary>
    public bool? ControlAccepted { get; set; }

    public IReadOnlyCollection<string> AcceptedExamples => _accepted;

    public void Record(Verdict v)
    {
        Interlocked.Increment(ref _inputs);
        _outcomes.AddOrUpdate(v.Outcome, 1, (_, n) => n + 1);
        if (v.AcceptedWithoutCredentials)
        {
            Interlocked.Increment(ref _acceptedCount);
            if (_accepted.Count < KeptExamples)
            {
                _accepted.Enqueue(v.Input);
            }
        }
    }

    public void Crashed() => Interlocked.Increment(ref _crashes);

    /// <summary>The answers seen, most frequent first, e.g. <c>Unauthenticated 812, closed 40</c>.</summary>
    public string Outcomes() => string.Join(", ", _outcomes.OrderByDescending(p => p.Value).Select(p => $"{p.Key} {p.Value}"));
}
