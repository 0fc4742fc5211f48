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

    [GeneratedRegex(@"word-count-flux sentences\s+emitted \d+\s+acked (\d+)")]
    private static partial Regex AckedSentences();
}
