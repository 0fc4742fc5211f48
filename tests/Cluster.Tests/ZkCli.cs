using System.Diagnostics;

namespace StormSharp.Cluster.Tests;

/// <summary>Apache ZooKeeper's own command-line client, from the installed Debian package.</summary>
internal static class ZkCli
{
    private const string InstallHint = "zkCli.sh not found in the zookeeper package; run: deploy/install-deps zookeeper";

    private static readonly Lazy<string> Found = new(Find);

    /// <summary>zkCli.sh's path, as <c>dpkg -L zookeeper</c> lists it.</summary>
    public static string Path => Found.Value;

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
