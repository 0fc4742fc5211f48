using System.Text.Json;

namespace StormSharp.Templates.Tests;

/// <summary>
/// A project made with <c>dotnet new stormsharp-topology</c> outside the repository, built against the packed
/// packages: its tests pass, <c>dotnet run</c> runs it in-process, <c>bin/storm local</c> runs it.
/// </summary>
public sealed class TopologyTemplateTests(TemplateProjectFixture project) : IClassFixture<TemplateProjectFixture>
{
    [Fact]
    public void Pack_WritesEveryPackageWithSymbols()
    {
        var files = Directory.GetFiles(project.Feed).Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal);

        foreach (var package in new[] { "StormSharp.Topology.Api", "StormSharp.Testing" })
        {
            Assert.Contains($"{package}.{project.Version}.nupkg", files);
            Assert.Contains($"{package}.{project.Version}.snupkg", files);
        }

        Assert.Contains($"StormSharp.Templates.{project.Version}.nupkg", files);
    }

    [Fact]
    public void Build_ReferencesThePackedPackagesAndNothingInTheRepository()
    {
        var assets = JsonDocument.Parse(File.ReadAllText(Path.Combine(project.ProjectDir, "obj", "project.assets.json")));
        var libraries = assets.RootElement.GetProperty("libraries");

        foreach (var package in new[] { "StormSharp.Topology.Api", "StormSharp.Testing" })
        {
            Assert.True(libraries.TryGetProperty($"{package}/{project.Version}", out var library), $"{package} {project.Version} should be restored");
            Assert.Equal("package", library.GetProperty("type").GetString());
        }

        foreach (var library in libraries.EnumerateObject())
        {
            Assert.NotEqual("project", library.Value.GetProperty("type").GetString());
        }
    }

    [Fact]
    public async Task DotnetTest_TheTemplatesTests_Pass()
    {
        var result = await ChildProcess.RunAsync(project.SolutionDir, project.Environment, TimeSpan.FromMinutes(5), "dotnet", "test", "--no-build", "-nologo");

        Assert.True(result.ExitCode == 0, $"the template's tests should pass; {result}");
        Assert.Contains("Passed!", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DotnetRun_WithoutStorm_RunsTheTopologyInProcessAndExitsZero()
    {
        var result = await ChildProcess.RunAsync(
            project.SolutionDir, project.Environment, TimeSpan.FromMinutes(3), "dotnet", "run", "--no-build", "--project", project.ProjectDir, "--", "--local-ttl", "3");

        Assert.True(result.ExitCode == 0, $"dotnet run should exit 0 after its ttl; {result}");
        Assert.Contains($"running {TemplateProjectFixture.TopologyName} in-process", result.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^count +emitted [1-9]\d*", result.Stdout);
    }

    [Fact]
    public async Task StormLocal_TheProject_RunsItAndExitsZero()
    {
        var storm = Path.Combine(RepoRoot.Path, "bin", "storm");

        // Generous: bin/storm builds the CLI first when it is stale, and storm local builds the project.
        var result = await ChildProcess.RunAsync(
            project.SolutionDir, project.Environment, TimeSpan.FromMinutes(8), storm, "local", project.ProjectDir, "--local-ttl", "3");

        Assert.True(result.ExitCode == 0, $"storm local should exit 0 after its ttl; {result}");
        Assert.Matches($@"(?m)^\[ *\d+s\] {TemplateProjectFixture.TopologyName} count +emitted [1-9]\d*", result.Stdout);
        Assert.Contains($"killed {TemplateProjectFixture.TopologyName}", result.Stdout, StringComparison.Ordinal);
    }
}
