using System.Globalization;
using StormSharp.Runtime;
using StormSharp.Runtime.Stats;
using StormSharp.Topology;

namespace StormSharp.Cli.Local;

/// <summary>Prints one compact all-time line per component, and each component error once.</summary>
internal sealed class ProgressPrinter(TextWriter stdout, TextWriter stderr)
{
    private readonly Dictionary<string, DateTimeOffset> _lastErrorShown = new(StringComparer.Ordinal);

    public void Print(LocalCluster cluster, TimeSpan elapsed)
    {
        foreach (var name in cluster.GetTopologyNames())
        {
            Print(cluster, name, elapsed);
        }
    }

    public void Print(LocalCluster cluster, string name, TimeSpan elapsed)
    {
        TopologyInfo info;
        try
        {
            info = cluster.GetTopologyInfo(name);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or ArgumentException)
        {
            // Killed between listing and asking: nothing to show.
            return;
        }

        foreach (var line in Format(info, elapsed))
        {
            stdout.WriteLine(line);
        }

        foreach (var c in info.Components)
        {
            var key = info.Name + "/" + c.Id;
            _lastErrorShown.TryGetValue(key, out var shown);
            foreach (var error in c.Errors)
            {
                if (error.Time > shown)
                {
                    stderr.WriteLine($"error in {key} (task {error.Task}): {error.Message}");
                    shown = error.Time;
                }
            }

            _lastErrorShown[key] = shown;
        }
    }

    /// <summary>
    /// One line per user component: <c>[  5s] word-count split      emitted 120 acked 118 failed 0</c>, its own streams
    /// only, then what it acked of system streams (tick tuples) when it had any.
    /// </summary>
    internal static IEnumerable<string> Format(TopologyInfo info, TimeSpan elapsed)
    {
        var components = info.Components.Where(c => !Utils.IsReservedId(c.Id)).ToList();
        var width = components.Count == 0 ? 0 : components.Max(c => c.Id.Length);
        var seconds = ((int)Math.Round(elapsed.TotalSeconds)).ToString(CultureInfo.InvariantCulture).PadLeft(3);
        foreach (var c in components)
        {
            var window = c.Windows.ContainsKey(StatsWindows.AllTime) ? StatsWindows.AllTime : c.Windows.Keys.Max();
            var t = c.Total(window);
            var line = string.Create(
                CultureInfo.InvariantCulture,
                $"[{seconds}s] {info.Name} {c.Id.PadRight(width)}  emitted {t.Emitted}  acked {t.Acked}  failed {t.Failed}");

            // Tick tuples and other system streams are counted apart, as Storm's UI shows them only on request.
            var system = c.SystemTotal(window);
            if (system.Executed + system.Acked + system.Failed + system.Emitted > 0)
            {
                line += string.Create(CultureInfo.InvariantCulture, $"  (system streams: acked {system.Acked}  failed {system.Failed})");
            }

            yield return line;
        }
    }
}
