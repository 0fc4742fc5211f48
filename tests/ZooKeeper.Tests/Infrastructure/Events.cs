using System.Threading.Channels;

namespace StormSharp.ZooKeeper.Tests.Infrastructure;

/// <summary>Collects callbacks (watch events, state changes) so tests can await them in order.</summary>
public sealed class Events<T>
{
    private readonly Channel<T> _channel = Channel.CreateUnbounded<T>();
    private readonly List<T> _all = [];

    public Action<T> Handler => e =>
    {
        lock (_all)
        {
            _all.Add(e);
        }

        _channel.Writer.TryWrite(e);
    };

    public IReadOnlyList<T> All
    {
        get
        {
            lock (_all)
            {
                return [.. _all];
            }
        }
    }

    public Task<T> NextAsync(string what, TimeSpan? timeout = null) => _channel.Reader.ReadAsync().AsTask().Within(what, timeout);

    /// <summary>Skips items until one matches.</summary>
    public async Task<T> WaitForAsync(Func<T, bool> match, string what, TimeSpan? timeout = null)
    {
        var t = timeout ?? Deadline.Default;
        using var cts = new CancellationTokenSource(t);
        try
        {
            while (true)
            {
                var e = await _channel.Reader.ReadAsync(cts.Token);
                if (match(e))
                {
                    return e;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"timed out after {t.TotalSeconds:F1} s waiting for {what}; saw: {string.Join(", ", All)}");
        }
    }

    /// <summary>True if nothing more arrives within <paramref name="quiet"/>: used to show a one-shot watch stays silent.</summary>
    public async Task<bool> StaysQuietAsync(TimeSpan quiet)
    {
        using var cts = new CancellationTokenSource(quiet);
        try
        {
            await _channel.Reader.WaitToReadAsync(cts.Token);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }
}
