using System.Diagnostics;

namespace StormSharp.Benchmarks.Engine.Measurement;

/// <summary>
/// Samples the process during a measurement window: CPU time over wall time (cores used) and the largest
/// resident set seen (peak memory of that window, which the process-lifetime peak cannot give).
/// </summary>
public sealed class ProcessMeter : IDisposable
{
    private readonly Process _process = Process.GetCurrentProcess();
    private readonly Thread _sampler;
    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private readonly TimeSpan _cpuStart;
    private readonly List<(double Seconds, long Bytes)> _samples = [];
    private readonly TimeSpan _interval;
    private volatile bool _stop;
    private long _peak;

    public ProcessMeter(TimeSpan interval)
    {
        _interval = interval;
        _process.Refresh();
        _cpuStart = _process.TotalProcessorTime;
        _peak = _process.WorkingSet64;
        _samples.Add((0, _peak));
        _sampler = new Thread(Sample) { IsBackground = true, Name = "bench-meter", Priority = ThreadPriority.AboveNormal };
        _sampler.Start();
    }

    public double Seconds => _wall.Elapsed.TotalSeconds;

    /// <summary>Stops sampling and returns (cores used, peak working set in MB, the samples).</summary>
    public (double Cores, double PeakMb, IReadOnlyList<(double Seconds, long Bytes)> Samples) Stop()
    {
        _stop = true;
        _sampler.Join();
        var wall = _wall.Elapsed.TotalSeconds;
        _process.Refresh();
        var cpu = (_process.TotalProcessorTime - _cpuStart).TotalSeconds;
        lock (_samples)
        {
            return (cpu / wall, Interlocked.Read(ref _peak) / (1024.0 * 1024.0), _samples.ToArray());
        }
    }

    public void Dispose()
    {
        if (!_stop)
        {
            Stop();
        }

        _process.Dispose();
    }

    /// <summary>Least-squares slope of resident memory, in MB per minute, over samples at or after <paramref name="fromSeconds"/>.</summary>
    public static double SlopeMbPerMinute(IReadOnlyList<(double Seconds, long Bytes)> samples, double fromSeconds)
    {
        double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
        foreach (var (t, bytes) in samples)
        {
            if (t < fromSeconds)
            {
                continue;
            }

            var y = bytes / (1024.0 * 1024.0);
            n++;
            sx += t;
            sy += y;
            sxx += t * t;
            sxy += t * y;
        }

        var d = (n * sxx) - (sx * sx);
        return n < 2 || d == 0 ? double.NaN : ((n * sxy) - (sx * sy)) / d * 60.0;
    }

    private void Sample()
    {
        while (!_stop)
        {
            Thread.Sleep(_interval);
            _process.Refresh();
            var ws = _process.WorkingSet64;
            if (ws > Interlocked.Read(ref _peak))
            {
                Interlocked.Exchange(ref _peak, ws);
            }

            lock (_samples)
            {
                _samples.Add((_wall.Elapsed.TotalSeconds, ws));
            }
        }
    }
}
