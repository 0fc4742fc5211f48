using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace StormSharp.Cluster.Internal;

/// <summary>
/// One watch subscription: re-reads a snapshot (id -> version) whenever woken and hands the
/// difference from the previous snapshot to the subscriber. Wakes coalesce, so a burst of changes
/// costs one read; a read that fails is retried, so a change is reported late rather than never.
/// </summary>
internal sealed class ChangeFeed : IAsyncDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(250);

    private readonly Func<CancellationToken, Task<IReadOnlyDictionary<string, int>>> _read;
    private readonly Action<Difference> _deliver;
    private readonly Action<ChangeFeed>? _onDisposed;
    private readonly ILogger _logger;
    private readonly string _what;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stop = new();
    private IReadOnlyDictionary<string, int> _last = new Dictionary<string, int>();
    private Task? _loop;

    /// <param name="read">Reads the current state; implementations arm their watches to call <see cref="Wake"/>.</param>
    public ChangeFeed(string what, Func<CancellationToken, Task<IReadOnlyDictionary<string, int>>> read, Action<Difference> deliver, ILogger logger, Action<ChangeFeed>? onDisposed = null)
    {
        _what = what;
        _read = read;
        _deliver = deliver;
        _logger = logger;
        _onDisposed = onDisposed;
    }

    /// <summary>Reads the first snapshot (arming the watches) and starts the loop.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _last = await _read(cancellationToken).ConfigureAwait(false);
        _loop = Task.Run(RunAsync, CancellationToken.None);
    }

    public void Wake() => _wake.Writer.TryWrite(true);

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _wake.Writer.TryComplete();
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _onDisposed?.Invoke(this);
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        var token = _stop.Token;
        try
        {
            while (await _wake.Reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                _wake.Reader.TryRead(out _);
                IReadOnlyDictionary<string, int> now;
                try
                {
                    now = await _read(token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException and not ObjectDisposedException)
                {
                    _logger.LogDebug(ex, "Re-reading {What} failed; retrying", _what);
                    await Task.Delay(RetryDelay, token).ConfigureAwait(false);
                    Wake();
                    continue;
                }

                var difference = Diff(_last, now);
                _last = now;
                if (difference.IsEmpty)
                {
                    continue;
                }

                try
                {
                    _deliver(difference);
                }
                catch (Exception ex)
                {
                    // A subscriber's bug must not stop the notifications of the others, or its own.
                    _logger.LogError(ex, "A handler of {What} changes threw", _what);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (ObjectDisposedException)
        {
            // The store's session is closed: nothing more will change for this subscriber.
        }
    }

    private static Difference Diff(IReadOnlyDictionary<string, int> before, IReadOnlyDictionary<string, int> after)
    {
        var added = new List<string>();
        var changed = new List<string>();
        var removed = new List<string>();
        foreach (var (id, version) in after)
        {
            if (!before.TryGetValue(id, out var old))
            {
                added.Add(id);
            }
            else if (old != version)
            {
                changed.Add(id);
            }
        }

        foreach (var id in before.Keys)
        {
            if (!after.ContainsKey(id))
            {
                removed.Add(id);
            }
        }

        added.Sort(StringComparer.Ordinal);
        changed.Sort(StringComparer.Ordinal);
        removed.Sort(StringComparer.Ordinal);
        return new Difference(added, changed, removed);
    }

    internal sealed record Difference(List<string> Added, List<string> Changed, List<string> Removed)
    {
        public bool IsEmpty => Added.Count == 0 && Changed.Count == 0 && Removed.Count == 0;
    }
}
