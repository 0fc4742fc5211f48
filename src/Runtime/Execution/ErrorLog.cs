using StormSharp.Runtime.Stats;

namespace StormSharp.Runtime.Execution;

/// <summary>The last errors of one component, newest last. Errors are rare, so a lock is fine here.</summary>
internal sealed class ErrorLog(int keep)
{
    private readonly Queue<ErrorInfo> _errors = new();
    private readonly object _gate = new();

    public long Total { get; private set; }

    public void Add(ErrorInfo error)
    {
        lock (_gate)
        {
            Total++;
            _errors.Enqueue(error);
            while (_errors.Count > keep)
            {
                _errors.Dequeue();
            }
        }
    }

    public IReadOnlyList<ErrorInfo> Snapshot()
    {
        lock (_gate)
        {
            return _errors.ToArray();
        }
    }
}
