namespace StormSharp.Cli.Tests;

/// <summary>
/// <c>storm local</c> end to end: the built CLI as a child process, building a topology project written at test time.
/// The tests share one project, so they run one after another (a class is one xunit collection).
/// </summary>
public sealed class LocalModeProcessTests(TopologyProjectFixture project) : IClassFixture<TopologyProjectFixture>
{
    // Generous: the first run builds the project (and the Topology API) on a busy machine.
    private static readonly TimeSpan RunDeadline = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Local_ProjectDirectoryWithMarkerTopology_RunsBoltAndExitsZeroAfterTtl()
    {
        var marker = Path.Combine(project.Root, "marker-" + Guid.NewGuid().ToString("N") + ".txt");

        var result = await CliProcess.RunAsync(RunDeadline, "local", project.ProjectDir, "Marker.MarkerTopology", marker, "--local-ttl", "5");

        Assert.True(result.ExitCode == 0, $"storm local should exit 0 after the TTL; {result}");
        Assert.True(File.Exists(marker), $"the bolt should have written {marker}; {result}");
        Assert.StartsWith("bolt executed n=", await File.ReadAllTextAsync(marker), StringComparison.Ordinal);
        Assert.Contains("killed marker-topology", result.Stdout, StringComparison.Ordinal);

        // A ttl of a whole progress interval: the block at 5 s is the final one, printed once.
        var blocks = result.Stdout.Split('\n').Count(l => l.Contains("marker-topology marker", StringComparison.Ordinal));
        Assert.True(blocks == 1, $"the stats block should be printed once; {result}");
    }

    [Fact]
    public async Task Local_BuiltAssemblyPath_RunsItWithoutBuilding()
    {
        var dll = await project.BuildAsync();
        var marker = Path.Combine(project.Root, "marker-" + Guid.NewGuid().ToString("N") + ".txt");

        var result = await CliProcess.RunAsync(RunDeadline, "local", dll, "Marker.MarkerTopology", marker, "--local-ttl", "3");

        Assert.True(result.ExitCode == 0, $"storm local on a .dll should exit 0 after the TTL; {result}");
        Assert.DoesNotContain("building", result.Stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(marker), $"the bolt should have written {marker}; {result}");
    }

    [Fact]
    public async Task Local_MainBuildsInvalidTopology_PrintsValidationMessageAndExitsOne()
    {
        var result = await CliProcess.RunAsync(RunDeadline, "local", project.ProjectDir, "Marker.InvalidTopology", "--local-ttl", "5");

        Assert.True(result.ExitCode == 1, $"a refused topology should exit 1; {result}");
        Assert.Contains("component 'marker' subscribes to unknown component 'no-such-spout'", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Local_BoltPrepareThrows_StopsAtOnceAndExitsOneNamingIt()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var result = await CliProcess.RunAsync(RunDeadline, "local", project.ProjectDir, "Marker.BrokenPrepareTopology", "--local-ttl", "120");

        Assert.True(result.ExitCode == 1, $"a failed Prepare should stop local mode with exit code 1; {result}");
        Assert.Contains("local: topology broken-topology stopped: component 'broken' task", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("threw in Prepare: InvalidOperationException: no connection to the store", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("killed broken-topology", result.Stdout, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(110), $"it should stop before its ttl; took {clock.Elapsed}; {result}");
    }

    [Fact]
    public async Task Local_ValueWithoutWireEncodingInOneWorker_IsReportedNamingTheStream()
    {
        var result = await CliProcess.RunAsync(RunDeadline, "local", project.ProjectDir, "Marker.OpaqueTopology", "--local-ttl", "3");

        Assert.True(result.ExitCode == 0, $"storm local should exit 0 after the TTL; {result}");
        Assert.Contains("error in opaque-topology/wrap", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("topology.testing.always.try.serialize", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Marker.Opaque, which has no wire encoding", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Local_AmbiguousMainWithoutType_ListsCandidatesAndExitsTwo()
    {
        var result = await CliProcess.RunAsync(RunDeadline, "local", project.ProjectDir, "--local-ttl", "5");

        Assert.True(result.ExitCode == 2, $"two public Mains and no type named should exit 2; {result}");
        Assert.Contains("Marker.MarkerTopology", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Marker.InvalidTopology", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Marker.BrokenPrepareTopology", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Local_PathThatDoesNotExist_ExitsTwoNamingIt()
    {
        var missing = Path.Combine(project.Root, "does-not-exist");

        var result = await CliProcess.RunAsync(TimeSpan.FromMinutes(1), "local", missing, "--local-ttl", "5");

        Assert.True(result.ExitCode == 2, $"a bad path should exit 2; {result}");
        Assert.Contains(missing + ": no such file or directory", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Storm_UnknownVerb_ExitsTwo()
    {
        var result = await CliProcess.RunAsync(TimeSpan.FromMinutes(1), "frobnicate");

        Assert.True(result.ExitCode == 2, $"an unknown verb should exit 2; {result}");
        Assert.Contains("unknown command 'frobnicate'", result.Stderr, StringComparison.Ordinal);
    }
}
