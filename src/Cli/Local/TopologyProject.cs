namespace StormSharp.Cli.Local;

/// <summary>Turns what the user named (a project directory, a .csproj or a .dll) into the assembly to load.</summary>
internal static class TopologyProject
{
    /// <summary>
    /// The full path of the assembly to run, building the project first when <paramref name="target"/> names one.
    /// <paramref name="target"/> is relative to the current directory.
    /// </summary>
    public static async Task<string> ResolveAssemblyAsync(string target, TextWriter log, CancellationToken cancellationToken)
    {
        var path = Path.GetFullPath(target);
        string project;
        if (Directory.Exists(path))
        {
            var projects = Directory.GetFiles(path, "*.csproj");
            project = projects.Length switch
            {
                1 => projects[0],
                0 => throw CliException.BadInput($"local: {target} contains no .csproj; give a project directory, a .csproj or a built .dll"),
                _ => throw CliException.BadInput(
                    $"local: {target} contains {projects.Length} projects ({string.Join(", ", projects.Select(Path.GetFileName).Order(StringComparer.Ordinal))}); give the .csproj to use"),
            };
        }
        else if (File.Exists(path))
        {
            if (path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            {
                return path;
            }

            if (!path.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase))
            {
                throw CliException.BadInput($"local: {target} is not a project directory, a .csproj or a .dll");
            }

            project = path;
        }
        else
        {
            throw CliException.BadInput($"local: {target}: no such file or directory");
        }

        return await BuildAsync(project, log, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<string> BuildAsync(string project, TextWriter log, CancellationToken cancellationToken)
    {
        var dir = Path.GetDirectoryName(project)!;
        log.WriteLine($"building {Path.GetFileName(project)} (Release)...");
        var build = await ProcessRunner.RunAsync(
            ProcessRunner.DotnetHost,
            ["build", project, "-c", "Release", "-nologo", "-v", "q", "-nodeReuse:false", "-clp:NoSummary"],
            dir,
            cancellationToken).ConfigureAwait(false);
        if (build.ExitCode != 0)
        {
            log.Write(build.Output);
            throw CliException.Failed($"local: building {project} failed (dotnet build exited with {build.ExitCode})");
        }

        var query = await ProcessRunner.RunAsync(
            ProcessRunner.DotnetHost,
            ["msbuild", project, "-getProperty:TargetPath", "-p:Configuration=Release", "-nologo"],
            dir,
            cancellationToken).ConfigureAwait(false);
        var targetPath = query.StandardOutput.Trim();
        if (query.ExitCode != 0 || targetPath.Length == 0)
        {
            log.Write(query.Output);
            throw CliException.Failed($"local: cannot find the output assembly of {project} (dotnet msbuild -getProperty:TargetPath exited with {query.ExitCode})");
        }

        if (!File.Exists(targetPath))
        {
            throw CliException.Failed($"local: {project} was built but its output {targetPath} does not exist");
        }

        return targetPath;
    }
}
