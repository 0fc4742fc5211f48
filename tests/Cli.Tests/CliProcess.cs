using System.Diagnostics;
using System.Text;

namespace StormSharp.Cli.Tests;

/// <summary>Runs the built <c>storm</c> CLI as a child process, as a user would, with a deadline.</summary>
internal static class CliProcess
{
    /// <summary>The CLI built next to the tests (its runtimeconfig is copied with it).</summary>
    public static string CliDll { get; } = Path.Combine(AppContext.BaseDirectory, "StormSharp.Cli.dll");

    internal sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit code {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
    }

    public static Task<Result> RunAsync(TimeSpan timeout, params string[] args)
    {
        var info = new ProcessStartInfo(DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        info.ArgumentList.Add(CliDll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        return RunAsync(info, timeout, args);
    }

    /// <summary>Runs <paramref name="info"/> (output redirected) to its end, killing it after <paramref name="timeout"/>.</summary>
    public static async Task<Result> RunAsync(ProcessStartInfo info, TimeSpan timeout, IReadOnlyList<string> args)
    {
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Fail($"storm {string.Join(' ', args)} did not exit within {timeout.TotalSeconds:0}s; killed it.\n{new Result(-1, Read(stdout), Read(stderr))}");
        }

        process.WaitForExit(); // flushes the redirected output
        return new Result(process.ExitCode, Read(stdout), Read(stderr));
    }

    internal static string DotnetHost
    {
        get
        {
            var self = Environment.ProcessPath;
            return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
        }
    }

    private static void Append(StringBuilder sb, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (sb)
        {
            sb.AppendLine(line);
        }
    }

    private static string Read(StringBuilder sb)
    {
        lock (sb)
        {
            return sb.ToString();
        }
    }
}
