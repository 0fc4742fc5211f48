using System.Diagnostics;

namespace StormSharp.Multilang.Tests;

/// <summary>The tests' subprocesses need python3; without it they fail at once saying how to get it.</summary>
internal static class Python
{
    private static readonly Lazy<string?> Missing = new(Probe);

    public static void Require()
    {
        if (Missing.Value is { } why)
        {
            Assert.Fail($"python3 is needed by the multilang tests and {why}: install Debian's python3 (deploy/install-deps does)");
        }
    }

    private static string? Probe()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("python3", "--version") { RedirectStandardOutput = true, RedirectStandardError = true })!;
            if (!p.WaitForExit(10_000))
            {
                p.Kill();
                return "'python3 --version' did not finish within 10 s";
            }

            return p.ExitCode == 0 ? null : $"'python3 --version' exited with {p.ExitCode}";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"it cannot be started ({e.Message})";
        }
    }
}
