using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace StormSharp.Benchmarks.Ysb.Feed;

/// <summary>
/// The runner's side of the generator's process (<see cref="FeedMain"/>): starts it, hands over <c>go</c> and
/// <c>stop</c>, reads its result. Dispose kills it by pid when it has not exited.
/// </summary>
internal sealed class FeedProcess : IDisposable
{
    private readonly Process _process;
    private readonly string _output;

    private FeedProcess(Process process, string output, string bootstrap)
    {
        _process = process;
        _output = output;
        Bootstrap = bootstrap;
    }

    /// <summary>The broker the generator writes to.</summary>
    public string Bootstrap { get; }

    /// <summary>The generator's pid (the embedded broker's too).</summary>
    public int Pid => _process.Id;

    /// <summary>Starts the generator's process and waits until it is ready to emit.</summary>
    public static FeedProcess Start(long rate, TimeSpan duration, string redis, int partitions, string? bootstrap, TimeSpan timeout)
    {
        var output = Path.Combine(Path.GetTempPath(), "stormsharp-ysb-feed-" + Guid.NewGuid().ToString("N")[..8] + ".json");
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell this program's path to start the generator");
        var psi = new ProcessStartInfo(self)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            psi.ArgumentList.Add(typeof(FeedProcess).Assembly.Location);
        }

        foreach (var a in new[]
        {
            "feed",
            string.Create(CultureInfo.InvariantCulture, $"rate={rate}"),
            string.Create(CultureInfo.InvariantCulture, $"seconds={duration.TotalSeconds}"),
            $"redis={redis}",
            string.Create(CultureInfo.InvariantCulture, $"partitions={partitions}"),
            $"out={output}",
        })
        {
            psi.ArgumentList.Add(a);
        }

        if (bootstrap is not null)
        {
            psi.ArgumentList.Add($"bootstrap={bootstrap}");
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException("the generator's process did not start");
        try
        {
            var line = ReadLine(process, timeout, "the generator to be ready");
            if (line is null || !line.StartsWith("ready ", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"the generator said '{line}' instead of 'ready'");
            }

            return new FeedProcess(process, output, line["ready ".Length..]);
        }
        catch
        {
            Kill(process);
            process.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Has the generator emit <paramref name="rate"/> events a second for <paramref name="duration"/>, stamped an hour
    /// back (<see cref="FeedMain.WarmupShift"/>), and returns their views once delivered.
    /// </summary>
    public long Warm(long rate, TimeSpan duration, TimeSpan timeout)
    {
        _process.StandardInput.WriteLine(string.Create(CultureInfo.InvariantCulture, $"warm {rate} {duration.TotalSeconds}"));
        _process.StandardInput.Flush();
        var line = ReadLine(_process, timeout, "the generator's warm-up");
        return line is not null && line.StartsWith("warmed ", StringComparison.Ordinal)
            ? long.Parse(line["warmed ".Length..], CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"the generator said '{line}' instead of 'warmed'");
    }

    /// <summary>Tells the generator to emit and waits for its result.</summary>
    public FeedResult Run(TimeSpan timeout)
    {
        _process.StandardInput.WriteLine("go");
        _process.StandardInput.Flush();
        var line = ReadLine(_process, timeout, "the generator to finish");
        if (line != "done")
        {
            throw new InvalidOperationException($"the generator said '{line}' instead of 'done'");
        }

        return JsonSerializer.Deserialize<FeedResult>(File.ReadAllText(_output))
            ?? throw new InvalidDataException("the generator wrote no result");
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.WriteLine("stop");
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // Gone already.
        }

        if (!_process.WaitForExit(15_000))
        {
            Kill(_process);
        }

        _process.Dispose();
        File.Delete(_output);
    }

    private static string? ReadLine(Process process, TimeSpan timeout, string what)
    {
        var read = process.StandardOutput.ReadLineAsync();
        if (!read.Wait(timeout))
        {
            throw new TimeoutException($"waited {timeout.TotalSeconds:0} s for {what}");
        }

        return read.Result;
    }

    private static void Kill(Process p)
    {
        try
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
                p.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }
}
