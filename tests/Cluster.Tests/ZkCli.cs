using System.Diagnostics;
using StormSharp.ZooKeeper.Tests.Infrastructure;

namespace StormSharp.Cluster.Tests;

/// <summary>Apache ZooKeeper's own command-line client, from the installed Debian package.</summary>
internal static class ZkCli
{
    private const string InstallHint = "zkCli.sh not found in the zookeeper package; run: deploy/install-deps zookeeper";

    private static readonly Lazy<string> Found = new(Find);

    /// <summary>zkCli.sh's path, as <c>dpkg -L zookeeper</c> lists it.</summary>
    public static string Path => Found.Value;

    /// <summary>Runs <c>zkCli.sh -server CONNECTION COMMAND...</c>, bounded to 30 s; its exit code and its output (stdout, then stderr).</summary>
    public static async Task<(int Code, string Output)> RunAsync(string connection, string command)
    {
        var psi = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-server");
        psi.ArgumentList.Add(connection);
        foreach (var word in command.Split(' '))
        {
            psi.ArgumentList.Add(word);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("zkCli.sh did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().Within($"zkCli.sh {command} to exit", TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout + "\n" + await stderr);
    }

    private static string Find()
    {
        string listing;
        try
        {
            using var dpkg = Process.Start(new ProcessStartInfo("dpkg", "-L zookeeper") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })
                ?? throw new InvalidOperationException(InstallHint);
            listing = dpkg.StandardOutput.ReadToEnd();
            dpkg.WaitForExit(10_000);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException(InstallHint, ex);
        }

        return listing.Split('\n', StringSplitOptions.TrimEntries).FirstOrDefault(l => l.EndsWith("/zkCli.sh", StringComparison.Ordinal) && File.Exists(l))
            ?? throw new InvalidOperationException(InstallHint);
    }
}
