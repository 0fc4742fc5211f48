using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace StormSharp.Integration.Tests.Infrastructure;

/// <summary>
/// A logger provider keeping the last lines a daemon logged, so that a failed wait can show what the daemon
/// was doing. Information and above, Microsoft's (a line per gRPC request) from Warning; one provider per daemon.
/// </summary>
internal sealed class LogTail : ILoggerProvider
{
    private const int Capacity = 60;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ConcurrentBag<string> _watched = [];
    private int _watchedHits;

    /// <summary>How many lines, since <see cref="Watch"/>, held a watched text (kept or not).</summary>
    public int WatchedHits => Volatile.Read(ref _watchedHits);

    /// <summary>Counts every line from now on that holds <paramref name="text"/>, however long ago it left the tail.</summary>
    public void Watch(string text) => _watched.Add(text);

    public ILoggerFactory CreateFactory() => LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddFilter("Microsoft", LogLevel.Warning).AddProvider(this));

    public ILogger CreateLogger(string categoryName) => new LogTailLogger(this, categoryName[(categoryName.LastIndexOf('.') + 1)..]);

    public void Add(string line)
    {
        foreach (var text in _watched)
        {
            if (line.Contains(text, StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _watchedHits);
            }
        }

        _lines.Enqueue(line);
        while (_lines.Count > Capacity && _lines.TryDequeue(out _))
        {
        }
    }

    public override string ToString() => string.Join('\n', _lines);

    public void Dispose()
    {
    }
}
