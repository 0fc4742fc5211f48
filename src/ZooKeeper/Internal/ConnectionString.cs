using System.Net;

namespace StormSharp.ZooKeeper.Internal;

/// <summary>A parsed connection string: the servers and the chroot ("" when none).</summary>
internal sealed class ConnectionString
{
    private ConnectionString(IReadOnlyList<DnsEndPoint> servers, string chroot)
    {
        Servers = servers;
        Chroot = chroot;
    }

    public IReadOnlyList<DnsEndPoint> Servers { get; }

    public string Chroot { get; }

    public static ConnectionString Parse(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        var chroot = string.Empty;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var hosts = text;
        if (slash >= 0)
        {
            chroot = text[slash..].TrimEnd('/');
            hosts = text[..slash];
            if (chroot.Length > 0)
            {
                PathUtil.Validate(chroot, sequential: false);
            }
        }

        var servers = new List<DnsEndPoint>();
        foreach (var part in hosts.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string host;
            var port = 2181;
            if (part.StartsWith('['))
            {
                var close = part.IndexOf(']', StringComparison.Ordinal);
                if (close < 0)
                {
                    throw new ArgumentException($"unterminated IPv6 address in '{part}'", nameof(text));
                }

                host = part[1..close];
                if (close + 1 < part.Length && part[close + 1] == ':')
                {
                    port = ParsePort(part[(close + 2)..]);
                }
            }
            else
            {
                var colon = part.LastIndexOf(':');
                host = colon < 0 ? part : part[..colon];
                if (colon >= 0)
                {
                    port = ParsePort(part[(colon + 1)..]);
                }
            }

            servers.Add(new DnsEndPoint(host, port));
        }

        if (servers.Count == 0)
        {
            throw new ArgumentException($"no servers in connection string '{text}'", nameof(text));
        }

        return new ConnectionString(servers, chroot);
    }

    private static int ParsePort(string s) =>
        int.TryParse(s, out var p) && p is > 0 and <= 65535 ? p : throw new ArgumentException($"bad port '{s}'");
}
