using System.Diagnostics;
using Microsoft.Extensions.Logging;
using StormSharp.Cluster;

namespace StormSharp.Worker.Hosting;

/// <summary>
/// Sends the errors components report to the cluster's error list (the one write a worker makes to ZooKeeper), at
/// most <c>topology.max.error.report.per.interval</c> per component per 10 seconds, so that a bolt that throws on every
/// tuple costs ZooKeeper a few writes, not one per tuple. The writes run off the reporting executor's thread.
/// </summary>
internal sealed class ErrorForwarder(IClusterState state, string topologyId, string host, int port, int perInterval, ILogger logger)
{
    private static readonly long Interval = 10 * Stopwatch.Frequency;
    private readonly Dictionary<string, (long Start, int Count)> _windows = new(StringComparer.Ordinal);
    private readonly HashSet<Task> _writes = [];

    public void Report(string componentId, Runtime.Stats.ErrorInfo error)
    {
        var now = Stopwatch.GetTimestamp();
        lock (_windows)
        {
            if (!_windows.TryGetValue(componentId, out var w) || now - w.Start >= Interval)
            {
                w = (now, 0);
            }

            if (w.Count >= perInterval)
            {
                return;
            }

            _windows[componentId] = (w.Start, w.Count + 1);
        }

        var info = new ErrorInfo
        {
            Component = componentId,
            TaskId = error.Task,
            Host = host,
            Port = port,
            TimeMs = error.Time.ToUnixTimeMilliseconds(),
            Message = error.Details,
        };
        var write = Task.Run(async () =>
        {
            try
            {
                await state.ReportErrorAsync(topologyId, info).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // Fire and forget: whatever went wrong is logged here, or nobody would ever see it.
                logger.LogWarning("Could not record an error of {Component} in the cluster state: {Reason}", componentId, e.Message);
            }
        });
        lock (_writes)
        {
            _writes.Add(write);
        }

        write.ContinueWith(
            done =>
            {
                lock (_writes)
                {
                    _writes.Remove(done);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>Waits, at most <paramref name="timeout"/>, for the writes under way: before a worker that died exits.</summary>
    public async Task FlushAsync(TimeSpan timeout)
    {
        Task[] writes;
        lock (_writes)
        {
            writes = [.. _writes];
        }

        try
        {
            await Task.WhenAll(writes).WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            logger.LogWarning("{Count} errors were still being written to the cluster state when the worker stopped", writes.Length);
        }
    }
}
