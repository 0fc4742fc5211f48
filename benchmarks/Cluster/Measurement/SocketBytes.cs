using System.Diagnostics;
using System.Globalization;

namespace StormSharp.Benchmarks.Cluster.Measurement;

/// <summary>
/// Bytes the kernel has sent on the TCP connections between workers, from <c>ss -tin</c> (each socket's
/// <c>tcp_info.bytes_sent</c>, which counts every payload byte handed to the wire, HTTP/2 framing, gRPC headers,
/// flow-control frames and retransmissions included, but not TCP/IP headers). A connection between workers has
/// a slot port at one end; each of its two sockets counts what its own side sent, so the sum over every socket
/// with a slot port at either end is the traffic in both directions, counted once.
/// </summary>
internal static class SocketBytes
{
    /// <summary>The sum of <c>bytes_sent</c> over established sockets with one of <paramref name="ports"/> at either end.</summary>
    public static long Sent(IReadOnlyList<int> ports)
    {
        var psi = new ProcessStartInfo("ss") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-t", "-i", "-n", "-H", "-O", "state", "established", "(" })
        {
            psi.ArgumentList.Add(a);
        }

        for (var i = 0; i < ports.Count; i++)
        {
            if (i > 0)
            {
                psi.ArgumentList.Add("or");
            }

            psi.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"sport = :{ports[i]} or dport = :{ports[i]}"));
        }

        psi.ArgumentList.Add(")");
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start ss");
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"ss exited with {p.ExitCode}");
        }

        long sum = 0;
        foreach (var line in output.Split('\n'))
        {
            var at = line.IndexOf(" bytes_sent:", StringComparison.Ordinal);
            if (at < 0)
            {
                continue;
            }

            var start = at + " bytes_sent:".Length;
            var end = start;
            while (end < line.Length && char.IsAsciiDigit(line[end]))
            {
                end++;
            }

            sum += long.Parse(line.AsSpan(start, end - start), CultureInfo.InvariantCulture);
        }

        return sum;
    }
}
