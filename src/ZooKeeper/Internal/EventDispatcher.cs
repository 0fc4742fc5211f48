using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace StormSharp.ZooKeeper.Internal;

/// <summary>
/// The client's one event thread: watch notifications and connection-state changes are delivered
/// here strictly in the order the client learned of them, one handler at a time.
/// </summary>
internal sealed class EventDispatcher
{
    private readonly Channel<EventItem> _queue = Channel.CreateUnbounded<EventItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ILogger _logger;
    private readonly Thread _thread;

    public EventDispatcher(ILogger logger, Action<ConnectionState> stateHandler)
    {
        _logger = logger;
        StateHandler = stateHandler;

        // A dedicated thread, not a pool task: a slow handler then delays only other handlers,
        // and handlers that block (as Java watchers commonly do) cannot starve the pool.
        _thread = new Thread(Run) { IsBackground = true, Name = "zookeeper-events" };
        _thread.Start();
    }

    public Action<ConnectionState> StateHandler { get; }

    public void Post(WatchedEvent e, List<Action<WatchedEvent>> watchers) => _queue.Writer.TryWrite(new EventItem(e, watchers, null));

    public void Post(ConnectionState state) => _queue.Writer.TryWrite(new EventItem(null, null, state));

    /// <summary>Completes once every event posted before the call has been handled.</summary>
    public Task DrainAsync()
    {
        if (IsEventThread)
        {
            return Task.CompletedTask;
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _queue.Writer.TryWrite(new EventItem(null, null, null, done)) ? done.Task : Task.CompletedTask;
    }

    /// <summary>Lets queued events drain, then ends the thread.</summary>
    public void Complete() => _queue.Writer.TryComplete();

    public bool IsEventThread => Thread.CurrentThread == _thread;

    private void Run()
    {
        var reader = _queue.Reader;
        while (true)
        {
            EventItem item;
            if (!reader.TryRead(out item))
            {
                var wait = reader.WaitToReadAsync().AsTask();
                if (!wait.GetAwaiter().GetResult())
                {
                    return;
                }

                continue;
            }

            if (item.Barrier is { } barrier)
            {
                barrier.TrySetResult();
            }
            else if (item.State is { } state)
            {
                Invoke(() => StateHandler(state));
            }
            else
            {
                foreach (var w in item.Watchers!)
                {
                    Invoke(() => w(item.Event!));
                }
            }
        }
    }

    private void Invoke(Action action)
    {
        try
        {
            action();
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "ZooKeeper event handler threw; continuing with the next event");
        }
    }

    private readonly record struct EventItem(WatchedEvent? Event, List<Action<WatchedEvent>>? Watchers, ConnectionState? State, TaskCompletionSource? Barrier = null);
}
