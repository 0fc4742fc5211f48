using System.Text;

namespace StormSharp.Templates.Tests;

/// <summary>
/// What a user outside the repository does: <c>deploy/pack</c> into a folder, <c>dotnet new install</c> the
/// template package from it (into a template hive of our own), <c>dotnet new stormsharp-topology</c> in a temporary
/// folder, and a build against the packed packages. The packages get a version no release has, and restore into a
/// packages folder of this fixture (the user's global packages folder serves only as a read-only fallback for
/// third-party packages), so nothing of ours is left in the user's cache to shadow a later build.
/// </summary>
public sealed class TemplateProjectFixture : IAsyncLifetime
{
    public const string ProjectName = "Acme.Clicks";

    /// <summary>The topology name the template derives from <see cref="ProjectName"/>: Storm refuses dots in names.</summary>
    public const string TopologyName = "acme-clicks";

    private static readonly TimeSpan PackDeadline = TimeSpan.FromMinutes(8);
    private static readonly TimeSpan BuildDeadline = TimeSpan.FromMinutes(8);

    public string Root { get; } = Directory.CreateTempSubdirectory("stormsharp-template-tests-").FullName;

    /// <summary>A version of our packages no build of the repository makes on its own.</summary>
    public string Version { get; } = "0.0.1-ci." + Guid.NewGuid().ToString("N")[..12];

    public string Feed => Path.Combine(Root, "feed");

    /// <summary>The folder <c>dotnet new</c> created: the solution, the topology project, its tests.</summary>
    public string SolutionDir => Path.Combine(Root, "work", ProjectName);

    public string ProjectDir => Path.Combine(SolutionDir, ProjectName);

    /// <summary>What every command of the user's project runs with: our packages folder, no build servers left behind.</summary>
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    public async Task InitializeAsync()
    {
        Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        Environment["DOTNET_NOLOGO"] = "1";
        Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        Environment["MSBUILDDISABLENODEREUSE"] = "1";
        Environment["UseSharedCompilation"] = "false";
        var none = new Dictionary<string, string>(Environment, StringComparer.Ordinal);

        var pack = await ChildProcess.RunAsync(
            RepoRoot.Path, none, PackDeadline, Path.Combine(RepoRoot.Path, "deploy", "pack"), Feed, "--version", Version);
        Require(pack);

        var hive = Path.Combine(Root, "template-hive");
        Require(await ChildProcess.RunAsync(
            Root, none, TimeSpan.FromMinutes(2), "dotnet", "new", "install", Path.Combine(Feed, $"StormSharp.Templates.{Version}.nupkg"), "--debug:custom-hive", hive));
        Require(await ChildProcess.RunAsync(
            Root, none, TimeSpan.FromMinutes(2), "dotnet", "new", "stormsharp-topology", "-n", ProjectName, "-o", SolutionDir, "--debug:custom-hive", hive));

        await File.WriteAllTextAsync(Path.Combine(SolutionDir, "nuget.config"), await NuGetConfigAsync(none));
        Environment["NUGET_PACKAGES"] = Path.Combine(Root, "packages");
        Require(await ChildProcess.RunAsync(SolutionDir, Environment, BuildDeadline, "dotnet", "build", "-nologo"));
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Something still holds a file (a process killed at a deadline): the folder is under the temp dir.
        }

        return Task.CompletedTask;
    }

    private static void Require(ChildProcess.Result result) =>
        Assert.True(result.ExitCode == 0, $"the fixture's step failed: {result}");

    /// <summary>
    /// The feed folder first, then the sources the user has configured (as <c>dotnet nuget list source</c> shows them
    /// outside any project), and the user's global packages folder as a read-only fallback.
    /// </summary>
    private async Task<string> NuGetConfigAsync(Dictionary<string, string> environment)
    {
        var sources = await ChildProcess.RunAsync(Root, environment, TimeSpan.FromMinutes(1), "dotnet", "nuget", "list", "source", "--format", "short");
        Require(sources);
        var locals = await ChildProcess.RunAsync(Root, environment, TimeSpan.FromMinutes(1), "dotnet", "nuget", "locals", "global-packages", "--list");
        Require(locals);

        var config = new StringBuilder();
        config.AppendLine("<configuration>");
        config.AppendLine("  <packageSources>");
        config.AppendLine("    <clear />");
        config.AppendLine($"    <add key=\"stormsharp-packed\" value=\"{Feed}\" />");
        var n = 0;
        foreach (var line in sources.Stdout.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            // "E https://..." for an enabled source, "D ..." for a disabled one.
            if (line.StartsWith("E ", StringComparison.Ordinal))
            {
                config.AppendLine($"    <add key=\"configured-{++n}\" value=\"{System.Security.SecurityElement.Escape(line[2..].Trim())}\" />");
            }
        }

        config.AppendLine("  </packageSources>");
        var global = locals.Stdout.Trim();
        var colon = global.IndexOf(": ", StringComparison.Ordinal);
        if (colon > 0)
        {
            config.AppendLine("  <fallbackPackageFolders>");
            config.AppendLine($"    <add key=\"user-global-packages\" value=\"{System.Security.SecurityElement.Escape(global[(colon + 2)..].Trim())}\" />");
            config.AppendLine("  </fallbackPackageFolders>");
        }

        config.AppendLine("</configuration>");
        return config.ToString();
    }
}
