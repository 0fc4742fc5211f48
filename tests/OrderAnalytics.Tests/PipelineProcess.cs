using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace StormSharp.OrderAnalytics.Tests;

/// <summary>
/// <c>examples/OrderAnalytics/run</c> as a child process, its output captured line by line. Stopped by its pid
/// (SIGINT first, so it prints its totals and stops what it started; SIGKILL of its tree if it does not exit).
/// </summary>
public sealed class PipelineProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly TaskCompletionSource<string> _dashboard = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PipelineProcess(params string[] args)
        : this(new Dictionary<string, string>(), args)
    {
    }

    /// <summary>The pipeline with <paramref name="environment"/> added to its environment (STORM_CONF_DIR, say).</summary>
    public PipelineProcess(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var psi = new ProcessStartInfo(Path.Combine(RepoRoot, "examples", "OrderAnalytics", "run"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoRoot,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (key, value) in environment)
        {
            psi.Environment[key] = value;
        }

        _process = new Process { StartInfo = psi };
        _process.OutputDataReceived += (_, e) => Line(e.Data);
        _process.ErrorDataReceived += (_, e) => Line(e.Data);
        _process.Start();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Kill();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static string RepoRoot
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            {
                if (File.Exists(Path.Combine(d.FullName, "StormSharp.sln")))
                {
                    return d.FullName;
                }
            }

            throw new InvalidOperationException("the repository root (StormSharp.sln) is not above " + AppContext.BaseDirectory);
        }
    }

    public string Output => string.Join('\n', _lines);

    public Task<string> DashboardUrl => _dashboard.Task;

    /// <summary>Waits for the process to exit; returns its exit code and the pipeline.* values it printed.</summary>
    public async Task<(int Code, Dictionary<string, string> Values)> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the pipeline did not finish in {timeout.TotalSeconds} s; its output:\n{Output}");
        }

        // WaitForExit without a timeout also drains the redirected output.
        _process.WaitForExit();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in _lines)
        {
            if (line.StartsWith("pipeline.", StringComparison.Ordinal) && line.IndexOf(": ", StringComparison.Ordinal) is var i and > 0)
            {
                values[line[..i]] = line[(i + 2)..].Trim();
            }
        }

        return (_process.ExitCode, values);
    }

    /// <summary>Asks the pipeline to stop (SIGINT, as Ctrl-C).</summary>
    public void Interrupt()
    {
        if (!_process.HasExited)
        {
            _ = kill(_process.Id, 2);
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    private void Line(string? line)
    {
        if (line is null)
        {
            return;
        }

        _lines.Enqueue(line);
        const string marker = "pipeline: dashboard at ";
        if (line.StartsWith(marker, StringComparison.Ordinal))
        {
            _dashboard.TrySetResult(line[marker.Length..].Trim());
        }
    }
}
