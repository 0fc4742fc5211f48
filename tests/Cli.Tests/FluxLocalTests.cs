using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using StormSharp.Cli.Local;

namespace StormSharp.Cli.Tests;

/// <summary><c>storm local --flux</c>: the example's Flux word count, its Python split bolt, and a file with a mistake.</summary>
public sealed partial class FluxLocalTests
{
    private static readonly TimeSpan RunDeadline = TimeSpan.FromMinutes(4);

    private static readonly string WordCountDll = typeof(FluxLocalTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "WordCountTargetPath").Value!;

    private static readonly string FluxFile = Path.Combine(RepoRoot.Path, "examples", "WordCount", "flux", "word-count.yaml");

    [Fact]
    public void Parse_FluxOptions_TakenOutOfTheArguments()
    {
        var options = LocalOptions.Parse(["proj", "--flux", "t.yaml", "--filter=dev.properties", "--env-filter", "--local-ttl", "5"]);

        Assert.Equal(new Flux.FluxArguments("t.yaml", "dev.properties", true), options.Flux);
        Assert.Empty(options.Arguments);
        Assert.Null(LocalOptions.Parse(["proj", "Type"]).Flux);
    }

    [Theory]
    [InlineData("with --flux the Flux file defines the topology; no Type or arguments are taken (got 'My.Type')", "proj", "--flux", "t.yaml", "My.Type")]
    [InlineData("--filter applies to a Flux file: give --flux FILE", "proj", "--filter", "p.properties")]
    [InlineData("--env-filter applies to a Flux file: give --flux FILE", "proj", "--env-filter")]
    [InlineData("--flux needs a file", "proj", "--flux")]
    [InlineData("--flux is given twice", "proj", "--flux", "a.yaml", "--flux", "b.yaml")]
    public void Parse_FluxMisused_UsageErrorSaysWhy(string expected, params string[] args)
    {
        var e = Assert.Throws<CliException>(() => LocalOptions.Parse(args));

        Assert.Equal(ExitCodes.Usage, e.ExitCode);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Local_ExampleFluxWordCount_PythonSplitBoltAcksSentences()
    {
        var result = await CliProcess.RunAsync(RunDeadline, "local", WordCountDll, "--flux", FluxFile, "--local-ttl", "8");

        Assert.True(result.ExitCode == 0, $"storm local --flux should exit 0 after the TTL; {result}");
        var acked = AckedSentences().Matches(result.Stdout).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.True(acked.Count > 0 && acked[^1] > 0, $"the Python split bolt should have let sentences be acked; {result}");
        Assert.Contains("word-count-flux split", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("killed word-count-flux", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Local_FluxFileWithMistake_RefusedBeforeRunningNamingTheLine()
    {
        var bad = Path.Combine(Path.GetTempPath(), $"flux-bad-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(bad, "name: \"bad\"\nspouts:\n  - id: \"sentences\"\n    className: \"StormSharp.Examples.WordCount.NoSuchSpout\"\n");
        try
        {
            var result = await CliProcess.RunAsync(RunDeadline, "local", WordCountDll, "--flux", bad, "--local-ttl", "30");

            Assert.True(result.ExitCode == 2, $"a Flux file with a mistake should exit 2; {result}");
            Assert.Contains($"local: {bad}:4: spout 'sentences': unknown class 'StormSharp.Examples.WordCount.NoSuchSpout'", result.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("Started topology", result.Stderr + result.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(bad);
        }
    }

    [Fact]
    public async Task Local_KilledOutright_ItsPythonSubprocessesExitToo()
    {
        var info = new ProcessStartInfo(CliProcess.DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var a in new[] { CliProcess.CliDll, "local", WordCountDll, "--flux", FluxFile, "--local-ttl", "300" })
        {
            info.ArgumentList.Add(a);
        }

        using var storm = Process.Start(info)!;
        storm.OutputDataReceived += (_, _) => { };
        storm.ErrorDataReceived += (_, _) => { };
        storm.BeginOutputReadLine();
        storm.BeginErrorReadLine();
        var pidDirs = Path.Combine(Path.GetTempPath(), "stormsharp-multilang");
        List<int> pids = [];
        try
        {
            // The example's split bolt has two tasks: two Python subprocesses, each announcing its pid in its pid dir.
            await Until(() => (pids = PidFiles(pidDirs, storm.Id)).Count == 2, RunDeadline, "the two Python split bolts of storm local to start");
            Assert.All(pids, pid => Assert.True(IsRunning(pid), $"subprocess {pid} does not run"));

            storm.Kill(entireProcessTree: false); // SIGKILL: no exit handlers run, as when a worker is killed outright
            await storm.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

            await Until(() => pids.All(pid => !IsRunning(pid)), TimeSpan.FromSeconds(30), "the Python subprocesses to exit once their stdin closed");
        }
        finally
        {
            if (!storm.HasExited)
            {
                storm.Kill(entireProcessTree: true);
            }

            foreach (var pid in pids.Where(IsRunning))
            {
                using var orphan = Process.GetProcessById(pid);
                orphan.Kill();
            }

            foreach (var dir in Directory.Exists(pidDirs) ? Directory.GetDirectories(pidDirs, $"{storm.Id}-*") : [])
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    private static List<int> PidFiles(string root, int owner) =>
        !Directory.Exists(root)
            ? []
            : [.. Directory.GetDirectories(root, $"{owner}-*").SelectMany(Directory.GetFiles).Select(f => int.Parse(Path.GetFileName(f), System.Globalization.CultureInfo.InvariantCulture))];

    private static bool IsRunning(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static async Task Until(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < timeout, $"timed out after {timeout.TotalSeconds:0} s waiting for {what}");
            await Task.Delay(50);
        }
    }

    [GeneratedRegex(@"word-count-flux sentences\s+emitted \d+\s+acked (\d+)")]
    private static partial Regex AckedSentences();
}
