using System.Collections.Concurrent;
using StormSharp.Cluster.Rpc;
using LatencyBuckets = StormSharp.Runtime.Stats.LatencyBuckets;

namespace StormSharp.Nimbus.Internal;

/// <summary>
/// Per-second series of every executor, derived from consecutive worker heartbeats (counter differences over the
/// worker's own interval), for the UI's live charts. Memory is bounded: at most <see cref="Capacity"/> points per
/// executor, points older than <see cref="Keep"/> dropped, executors (and topologies) not heard from for that long
/// forgotten. In memory only, like the heartbeats: after a Nimbus restart the series start again.
/// </summary>
internal sealed class StatsSeries
{
    /// <summary>How far back the series reach: 15 minutes.</summary>
    public static readonly TimeSpan Keep = TimeSpan.FromMinutes(15);

    /// <summary>Points kept per executor: one a second for <see cref="Keep"/>, with room for jitter.</summary>
    public const int Capacity = 1000;

    private readonly ConcurrentDictionary<string, Dictionary<int, ExecutorTrack>> _topologies = new(StringComparer.Ordinal);
    private long _lastSweepMs;

    public void Record(WorkerHeartbeat heartbeat, long receivedMs)
    {
        var tracks = _topologies.GetOrAdd(heartbeat.TopologyId, _ => []);
        lock (tracks)
        {
            foreach (var e in heartbeat.Executors)
            {
                if (!tracks.TryGetValue(e.FirstTask, out var track))
                {
                    track = new ExecutorTrack(e.Component, e.FirstTask, e.LastTask, e.Spout);
                    tracks[e.FirstTask] = track;
                }

                track.Add(heartbeat, e, receivedMs);
            }
        }

        if (receivedMs - Interlocked.Read(ref _lastSweepMs) > 60_000)
        {
            Interlocked.Exchange(ref _lastSweepMs, receivedMs);
            Sweep(receivedMs);
        }
    }

    /// <summary>Every executor's points of <paramref name="topologyId"/> after <paramref name="sinceMs"/>.</summary>
    public TopologySeries Query(string topologyId, long sinceMs, long nowMs)
    {
        var reply = new TopologySeries { NowMs = nowMs };
        if (!_topologies.TryGetValue(topologyId, out var tracks))
        {
            return reply;
        }

        lock (tracks)
        {
            foreach (var track in tracks.Values.OrderBy(t => t.FirstTask))
            {
                reply.Executors.Add(track.Since(sinceMs));
            }
        }

        return reply;
    }

    private void Sweep(long nowMs)
    {
        var horizon = nowMs - (long)Keep.TotalMilliseconds;
        foreach (var (id, tracks) in _topologies)
        {
            lock (tracks)
            {
                foreach (var (first, track) in tracks.ToList())
                {
                    if (track.LastSeenMs < horizon)
                    {
                        tracks.Remove(first);
                    }
                }

                if (tracks.Count == 0)
                {
                    _topologies.TryRemove(id, out _);
                }
            }
        }
    }

    private struct Point
    {
        public long TimeMs;
        public double Emitted;
        public double Transferred;
        public double Acked;
        public double Failed;
        public double Executed;
        public double CompleteMs;
        public double ExecuteMs;
        public double ProcessMs;
        public double Capacity;
        public double P99Ms;
    }

    private sealed class ExecutorTrack(string component, int firstTask, int lastTask, bool spout)
    {
        private readonly Point[] _ring = new Point[Capacity];
        private int _start;
        private int _count;
        private ExecutorStats? _previous;
        private long _previousTimeMs;
        private string _host = string.Empty;
        private int _port;

        public int FirstTask => firstTask;

        public long LastSeenMs { get; private set; }

        public void Add(WorkerHeartbeat beat, ExecutorStats e, long receivedMs)
        {
            LastSeenMs = receivedMs;
            var previous = _previous;
            var sameWorker = beat.Host == _host && beat.Port == _port;
            _previous = e;
            var previousTime = _previousTimeMs;
            _previousTimeMs = beat.TimeMs;
            _host = beat.Host;
            _port = beat.Port;

            // A moved or restarted executor starts from zero again: take this beat as the new baseline.
            if (previous is null || !sameWorker || beat.TimeMs <= previousTime || e.Emitted < previous.Emitted || e.Acked < previous.Acked || e.Executed < previous.Executed)
            {
                return;
            }

            var seconds = (beat.TimeMs - previousTime) / 1000.0;
            var acked = e.Acked - previous.Acked;
            var executed = e.Executed - previous.Executed;
            var point = new Point
            {
                TimeMs = receivedMs,
                Emitted = (e.Emitted - previous.Emitted) / seconds,
                Transferred = (e.Transferred - previous.Transferred) / seconds,
                Acked = acked / seconds,
                Failed = Math.Max(0, e.Failed - previous.Failed) / seconds,
                Executed = executed / seconds,
                CompleteMs = spout && acked > 0 ? Math.Max(0, e.CompleteLatencyTotalMs - previous.CompleteLatencyTotalMs) / acked : 0,
                ProcessMs = !spout && acked > 0 ? Math.Max(0, e.ProcessLatencyTotalMs - previous.ProcessLatencyTotalMs) / acked : 0,
                ExecuteMs = executed > 0 ? Math.Max(0, e.ExecuteLatencyTotalMs - previous.ExecuteLatencyTotalMs) / executed : 0,
                Capacity = spout ? 0 : Math.Clamp(Math.Max(0, e.ExecuteLatencyTotalMs - previous.ExecuteLatencyTotalMs) / (seconds * 1000), 0, 1),
                P99Ms = P99(e, previous),
            };
            Append(point);
        }

        public ExecutorSeries Since(long sinceMs)
        {
            var s = new ExecutorSeries { Component = component, FirstTask = firstTask, LastTask = lastTask, Spout = spout, Host = _host, Port = _port };
            for (var i = 0; i < _count; i++)
            {
                ref var p = ref _ring[(_start + i) % _ring.Length];
                if (p.TimeMs <= sinceMs)
                {
                    continue;
                }

                s.TimeMs.Add(p.TimeMs);
                s.Emitted.Add(p.Emitted);
                s.Transferred.Add(p.Transferred);
                s.Acked.Add(p.Acked);
                s.Failed.Add(p.Failed);
                s.Executed.Add(p.Executed);
                s.CompleteLatencyMs.Add(p.CompleteMs);
                s.ExecuteLatencyMs.Add(p.ExecuteMs);
                s.ProcessLatencyMs.Add(p.ProcessMs);
                s.Capacity.Add(p.Capacity);
                s.LatencyP99Ms.Add(p.P99Ms);
            }

            return s;
        }

        private static double P99(ExecutorStats now, ExecutorStats before)
        {
            if (now.AckLatencyBuckets.Count == 0)
            {
                return 0;
            }

            var diff = new long[Math.Min(now.AckLatencyBuckets.Count, LatencyBuckets.Count)];
            for (var i = 0; i < diff.Length; i++)
            {
                diff[i] = Math.Max(0, now.AckLatencyBuckets[i] - (i < before.AckLatencyBuckets.Count ? before.AckLatencyBuckets[i] : 0));
            }

            return LatencyBuckets.QuantileMs(diff, 0.99);
        }

        private void Append(Point point)
        {
            var horizon = point.TimeMs - (long)Keep.TotalMilliseconds;
            while (_count > 0 && (_count == _ring.Length || _ring[_start].TimeMs < horizon))
            {
                _start = (_start + 1) % _ring.Length;
                _count--;
            }

            _ring[(_start + _count) % _ring.Length] = point;
            _count++;
        }
    }
}
