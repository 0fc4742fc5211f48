using System.Globalization;
using System.Text;

namespace StormSharp.Benchmarks.Faults;

/// <summary>The fault matrix's section of <c>benchmarks/RESULTS.md</c>, replaced whole by each run (other sections kept).</summary>
internal static class FaultReport
{
    private const string Heading = "# Fault matrix results";

    public static void Write(string path, IReadOnlyList<FaultResult> results, long records, double rate, DateTime started, DateTime finished)
    {
        var sb = new StringBuilder();
        void L(string line = "") => sb.Append(line).Append('\n');
        L(Heading);
        L();
        L(string.Create(CultureInfo.InvariantCulture, $"Written by `benchmarks/run faults`: {records:N0} numbered records per fault, offered at {rate:N0}/s, on ZooKeeper (three servers), two Nimbus and three supervisors in network namespaces of their own; {started:yyyy-MM-dd HH:mm} to {finished:HH:mm} UTC, load average {LoadAverage()} at the end."));
        L("`missing` must be 0: a record the spout sent that the sink's files never got. `duplicates` are replays. `recovery_s`: seconds from the fault until the sink's rate is back to half of what it was before and stays there for three seconds.");
        L();
        L("| fault | records | missing | duplicates | recovery_s | note |");
        L("| --- | ---: | ---: | ---: | ---: | --- |");
        foreach (var r in results)
        {
            L(string.Create(CultureInfo.InvariantCulture, $"| `{r.Fault}` | {r.Records:N0} | {r.Missing:N0} | {r.Duplicates:N0} | {r.RecoverySeconds:0.0} | {r.Failure ?? string.Empty} |"));
        }

        L(string.Create(CultureInfo.InvariantCulture, $"| total | {results.Sum(r => r.Records):N0} | {results.Sum(r => r.Missing):N0} | {results.Sum(r => r.Duplicates):N0} | | |"));
        var existing = File.Exists(path) ? File.ReadAllText(path) : string.Empty;
        var at = existing.StartsWith(Heading, StringComparison.Ordinal) ? 0 : existing.IndexOf("\n" + Heading, StringComparison.Ordinal) is var i and >= 0 ? i + 1 : -1;
        string text;
        if (at < 0)
        {
            text = existing + (existing.Length == 0 || existing.EndsWith("\n\n", StringComparison.Ordinal) ? string.Empty : existing.EndsWith('\n') ? "\n" : "\n\n") + sb;
        }
        else
        {
            var next = existing.IndexOf("\n# ", at + Heading.Length, StringComparison.Ordinal);
            text = existing[..at] + sb + (next >= 0 ? "\n" + existing[(next + 1)..] : string.Empty);
        }

        File.WriteAllText(path, text);
    }

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
