using System.Diagnostics;
using System.Globalization;
using StormSharp.Benchmarks.Cluster.Measurement;
using StormSharp.Benchmarks.Cluster.Rig;
using StormSharp.Benchmarks.Cluster.Topologies;

namespace StormSharp.Benchmarks.Cluster;

/// <summary>
/// <c>benchmarks/run soak [--minutes M]</c> (default 60): word count on a cluster of two supervisors, first unpaced for
/// its highest sustained rate, then paced at 80% of it for M minutes. After a settling time (5 minutes, or half the
/// run when it is shorter than 10), the resident memory of Nimbus, each supervisor and each worker and the acked count
/// are sampled every 30 s; it prints each process's memory growth (least-squares slope, MB per hour) and how far the
/// rate of the last tenth of the samples drifted from that of the first tenth. Not part of the test suite.
/// </summary>
internal static class SoakSuite
{
    private static readonly TimeSpan Sample = TimeSpan.FromSeconds(30);

    public static int Run(string[] args, string root)
    {
        var minutes = 60.0;
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i] == "--minutes" && i + 1 < args.Length && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var m) && m >= 2)
            {
                minutes = m;
                i++;
            }
            else
            {
                Console.Error.WriteLine($"usage: benchmarks/run soak [--minutes M]   (M at least 2; got '{args[i]}')");
                return 2;
            }
        }

        var settle = TimeSpan.FromMinutes(Math.Min(5, minutes / 2));
        var total = TimeSpan.FromMinutes(minutes);
        var type = typeof(BenchmarkTopologies).FullName!;
        var dll = Path.Combine(root, "benchmarks", "Cluster", "Topologies", "bin", "Release", "net10.0", Path.GetFileName(typeof(BenchmarkTopologies).Assembly.Location));
        var name = BenchmarkTopologies.NameOf(BenchmarkTopologies.WordCount);
        using var rig = ClusterRig.Start(root, supervisors: 2);
        try
        {
            var id = rig.Submit(name, dll, type, BenchmarkTopologies.WordCount);
            double max;
            try
            {
                max = CounterWindow.Measure("soak: word count unpaced", () => Acked(rig, name), () => 0, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20)).Rate;
            }
            finally
            {
                rig.Kill(name, id);
            }

            var offered = Math.Round(max * 0.8);
            Bench.Log($"soak: {minutes:0} minutes at {offered:N0} sentences/s (80% of {max:N0}); samples every {Sample.TotalSeconds:0} s after {settle.TotalMinutes:0.#} minutes");
            id = rig.Submit(name, dll, type, BenchmarkTopologies.WordCount, FormattableString.Invariant($"{BenchSettings.SpoutRate}={offered}"));
            var processes = rig.Daemons.Concat(rig.WorkerPids(id).Select((p, i) => ($"worker-{i + 1}", p))).ToList();
            var memory = processes.ToDictionary(p => p.Item1, _ => new List<(double Seconds, double Megabytes)>());
            var acked = new List<(double Seconds, long Acked)>();
            var clock = Stopwatch.StartNew();
            Thread.Sleep(settle);
            while (clock.Elapsed < total)
            {
                var t = clock.Elapsed.TotalSeconds;
                foreach (var (n, pid) in processes)
                {
                    memory[n].Add((t, ResidentMemory.Megabytes(pid)));
                }

                acked.Add((t, Acked(rig, name)));
                Bench.Log($"  {clock.Elapsed.TotalMinutes:0.0} min: acked {acked[^1].Acked:N0}; VmRSS {string.Join(", ", processes.Select(p => $"{p.Item1} {memory[p.Item1][^1].Megabytes:0.0}"))} MiB");
                Thread.Sleep(Sample);
            }

            rig.Kill(name, id);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"soak.minutes: {minutes:0.#}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"soak.offered_sentences_per_s: {offered:0}"));
            foreach (var (n, _) in processes)
            {
                var perHour = ResidentMemory.GrowthPerMinute(memory[n].Where(s => double.IsFinite(s.Megabytes)).ToList()) * 60;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"soak.rss_growth_mb_per_hour.{n}: {perHour:0.00}"));
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"soak.rate_drift_percent: {Drift(acked):0.0}"));
            return 0;
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            rig.KeepRunDirectory = true;
            Console.Error.WriteLine($"soak failed: {e.Message}");
            return 1;
        }
    }

    private static long Acked(ClusterRig rig, string name) =>
        rig.Nimbus.Info(name)?.Components.First(c => c.Id == "spout").Acked ?? throw new InvalidOperationException($"Nimbus no longer knows {name}");

    /// <summary>Rate of the last tenth of the samples against the first tenth, in percent (negative: slower at the end).</summary>
    private static double Drift(List<(double Seconds, long Acked)> samples)
    {
        if (samples.Count < 4)
        {
            return double.NaN;
        }

        var tenth = Math.Max(1, samples.Count / 10);
        double Rate(int from, int to) => (samples[to].Acked - samples[from].Acked) / (samples[to].Seconds - samples[from].Seconds);
        var first = Rate(0, tenth);
        var last = Rate(samples.Count - 1 - tenth, samples.Count - 1);
        return (last - first) / first * 100;
    }
}
