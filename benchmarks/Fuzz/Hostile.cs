using System.Text;

namespace StormSharp.Benchmarks.Fuzz;

/// <summary>Random and hostile values: bytes, strings meant to break parsers and path checks, numbers at the edges.</summary>
internal static class Hostile
{
    private static readonly string[] Strings =
    [
        string.Empty, " ", "0", "-1", "null", "undefined", "true", "{}", "[]", "\"", "'", "`", "\\", "%", "%00", "%ff", "%%",
        "..", "../", "..\\", "../../../../etc/passwd", "..%2f..%2f..%2fetc%2fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "....//....//etc/passwd", "/etc/passwd", "C:\\Windows\\win.ini", "~/.ssh/id_rsa", "file:///etc/passwd",
        "a\u0000b", "\u202e\u0000", "\ud83d\ude00", "<script>alert(1)</script>", "' OR 1=1 --", "${jndi:ldap://127.0.0.1/x}",
        "{{7*7}}", "%s%s%s%n", "9223372036854775807", "-9223372036854775808", "18446744073709551616", "1e309", "NaN",
        "-0", "0x7fffffff", "2147483648", "topology-1-1\r\nX-Injected: 1", "/api/v1/cluster/summary", "*", "?", "#",
    ];

    private static readonly long[] Numbers = [0, -1, 1, int.MaxValue, int.MinValue, long.MaxValue, long.MinValue, 1L << 40, 51200, 65536];

    public static byte[] Bytes(Random r, int max)
    {
        var b = new byte[r.Next(max + 1)];
        r.NextBytes(b);
        return b;
    }

    /// <summary>A hostile string: from the list, random printable, random unicode, or long (up to 64 KiB).</summary>
    public static string Text(Random r)
    {
        return r.Next(6) switch
        {
            0 or 1 => Strings[r.Next(Strings.Length)],
            2 => Printable(r, r.Next(1, 64)),
            3 => new string((char)r.Next(0x20, 0xd7ff), r.Next(1, 32)),
            4 => new string('A', r.Next(1, 8) * 1024 * (r.Next(8) == 0 ? 8 : 1)),
            _ => Strings[r.Next(Strings.Length)] + Printable(r, r.Next(8)),
        };
    }

    /// <summary>A string that can travel in a header or a gRPC metadata value (visible ASCII).</summary>
    public static string HeaderSafe(Random r)
    {
        return r.Next(4) switch
        {
            0 => Printable(r, r.Next(1, 80)),
            1 => new string('x', r.Next(1, 16) * 1024),
            2 => "../../etc/passwd",
            _ => Printable(r, r.Next(1, 8)),
        };
    }

    public static string Printable(Random r, int length)
    {
        var sb = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            sb.Append((char)r.Next(0x21, 0x7f));
        }

        return sb.ToString();
    }

    public static long Number(Random r) => r.Next(3) == 0 ? r.NextInt64() * (r.Next(2) == 0 ? 1 : -1) : Numbers[r.Next(Numbers.Length)];

    public static T Pick<T>(Random r, IReadOnlyList<T> items) => items[r.Next(items.Count)];
}
