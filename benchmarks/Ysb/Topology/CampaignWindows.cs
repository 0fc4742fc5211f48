using System.Globalization;
using StackExchange.Redis;

namespace StormSharp.Benchmarks.Ysb.Topology;

/// <summary>
/// YSB's CampaignProcessorCommon: counts view events per campaign in 10-second event-time windows and writes the
/// counts gathered since the last flush to Redis in YSB's layout (<see cref="YsbLayout"/>), each window's count
/// added to its <c>seen_count</c> and its <c>time_updated</c> set to the time of the write.
/// </summary>
/// <remarks>
/// <see cref="Add"/> runs on the bolt's executor, <see cref="FlushAsync"/> on the flusher; a lock hands the pending
/// counts over (YSB's code reset a window's count while the executor could still be adding to it). A flush that
/// fails puts its counts back, so they go with the next one: a count is never lost once it was added. One window's
/// write is one script, so a window's key, its place in the campaign's list and its count appear together.
/// </remarks>
internal sealed class CampaignWindows
{
    // KEYS[1] campaign id; ARGV: window start, a fresh window key, a fresh list key, count, time of the write.
    private const string WriteWindowScript = """
        local window = redis.call('HGET', KEYS[1], ARGV[1])
        if not window then
          window = ARGV[2]
          redis.call('HSET', KEYS[1], ARGV[1], window)
          local list = redis.call('HGET', KEYS[1], 'windows')
          if not list then
            list = ARGV[3]
            redis.call('HSET', KEYS[1], 'windows', list)
          end
          redis.call('LPUSH', list, ARGV[1])
        end
        redis.call('HINCRBY', window, 'seen_count', ARGV[4])
        redis.call('HSET', window, 'time_updated', ARGV[5])
        redis.call('LPUSH', 'time_updated', ARGV[5])
        return 1
        """;

    private readonly Lock _gate = new();
    private Dictionary<(string Campaign, long Window), long> _pending = [];
    private Dictionary<(string Campaign, long Window), long> _spare = [];

    /// <summary>Counts one view event of <paramref name="campaignId"/> at <paramref name="eventTimeMillis"/>.</summary>
    public void Add(string campaignId, long eventTimeMillis)
    {
        var key = (campaignId, YsbLayout.WindowOf(eventTimeMillis));
        lock (_gate)
        {
            _pending[key] = _pending.GetValueOrDefault(key) + 1;
        }
    }

    /// <summary>The windows with counts not yet written.</summary>
    public int PendingWindows
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Writes the counts gathered since the last flush, one script per window, pipelined; returns the windows written.</summary>
    public async Task<int> FlushAsync(IDatabase db)
    {
        Dictionary<(string Campaign, long Window), long> batch;
        lock (_gate)
        {
            if (_pending.Count == 0)
            {
                return 0;
            }

            batch = _pending;
            _pending = _spare;
        }

        var writes = new List<(KeyValuePair<(string Campaign, long Window), long> Entry, Task Write)>(batch.Count);
        foreach (var entry in batch)
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var write = db.ScriptEvaluateAsync(
                WriteWindowScript,
                [entry.Key.Campaign],
                [
                    entry.Key.Window.ToString(CultureInfo.InvariantCulture),
                    Guid.NewGuid().ToString(),
                    Guid.NewGuid().ToString(),
                    entry.Value,
                    now,
                ]);
            writes.Add((entry, write));
        }

        Exception? failure = null;
        foreach (var (entry, write) in writes)
        {
            try
            {
                await write.ConfigureAwait(false);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // Not written (or not known to be): back into the pending counts for the next flush.
                failure ??= e;
                lock (_gate)
                {
                    _pending[entry.Key] = _pending.GetValueOrDefault(entry.Key) + entry.Value;
                }
            }
        }

        batch.Clear();
        lock (_gate)
        {
            _spare = batch;
        }

        if (failure is not null)
        {
            throw new RedisException("a campaign window flush failed; its counts go with the next flush", failure);
        }

        return writes.Count;
    }
}
