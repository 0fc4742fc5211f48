using System.Diagnostics;
using System.Globalization;

namespace StormSharp.Benchmarks.Faults.Rig;

/// <summary>One host of the cluster: a network namespace with its own addresses on the rig's bridge.</summary>
/// <param name="Name">The rig's name for it (<c>zk</c>, <c>n1</c>, <c>s1</c>, ...).</param>
/// <param name="Namespace">The network namespace (<c>ip netns</c>) its processes run in.</param>
/// <param name="Addresses">Its addresses on the bridge; the first is the one daemons name as their host.</param>
/// <param name="Link">The bridge's end of its veth pair: down is a partition, up heals it.</param>
internal sealed record Host(string Name, string Namespace, IReadOnlyList<string> Addresses, string Link)
{
    public string Address => Addresses[0];
}

/// <summary>
/// Hosts on one machine as far as the cluster can tell: a bridge that exists only for this rig (with an address of
/// its own, so this process reaches every host), and per host a network namespace joined to it by a veth pair.
/// Needs root. <see cref="Dispose"/> deletes every namespace and link it made, whatever happened; so does this process's
/// exit (SIGTERM included), and should it be killed outright, the next <see cref="Create"/> removes what it left,
/// processes inside included (an owner file under the temp folder names the pid that made them).
/// </summary>
internal sealed class Hosts : IDisposable
{
    private readonly List<string> _namespaces = [];
    private readonly List<string> _links = [];
    private readonly List<Host> _hosts = [];
    private readonly string _tag;
    private readonly string _subnet;

    private Hosts()
    {
        _tag = Guid.NewGuid().ToString("N")[..6];
        _subnet = "10.213." + (Random.Shared.Next(0, 250) + 2).ToString(CultureInfo.InvariantCulture);
        Bridge = "ssb" + _tag;
    }

    public string Bridge { get; }

    /// <summary>The bridge's own address: where this process is, as the hosts see it.</summary>
    public string BridgeAddress => _subnet + ".1";

    public IReadOnlyList<Host> All => _hosts;

    public Host this[string name] => _hosts.Single(h => h.Name == name);

    /// <summary>Why hosts cannot be made here, or null when they can (root, and <c>ip</c> present).</summary>
    public static string? Unavailable()
    {
        if (GetUid() != 0)
        {
            return "the multi-host tests create network namespaces and need root (CI runs as root); run them as root";
        }

        return File.Exists("/usr/sbin/ip") || File.Exists("/sbin/ip") || File.Exists("/usr/bin/ip") || File.Exists("/bin/ip")
            ? null
            : "the multi-host tests need iproute2's ip: apt-get install -y iproute2";
    }

    /// <summary>Makes the bridge and one namespace per entry of <paramref name="layout"/> (name, number of addresses).</summary>
    public static Hosts Create(params (string Name, int Addresses)[] layout)
    {
        var why = Unavailable();
        if (why is not null)
        {
            throw new InvalidOperationException(why);
        }

        RemoveOrphans();
        var hosts = new Hosts();
        try
        {
            File.WriteAllText(OwnerFile(hosts._tag), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            AppDomain.CurrentDomain.ProcessExit += (_, _) => hosts.Dispose();
            hosts.Ip("link", "add", hosts.Bridge, "type", "bridge");
            hosts._links.Add(hosts.Bridge);
            hosts.Ip("addr", "add", hosts.BridgeAddress + "/24", "dev", hosts.Bridge);
            hosts.Ip("link", "set", hosts.Bridge, "up");
            var next = 2;
            foreach (var (name, count) in layout)
            {
                var ns = $"ss{hosts._tag}-{name}";
                var outer = $"ss{hosts._tag}{hosts._hosts.Count}h";
                var inner = $"ss{hosts._tag}{hosts._hosts.Count}n";
                hosts.Ip("netns", "add", ns);
                hosts._namespaces.Add(ns);
                hosts.Ip("link", "add", outer, "type", "veth", "peer", "name", inner);
                hosts._links.Add(outer);
                hosts.Ip("link", "set", inner, "netns", ns);
                hosts.Ip("link", "set", outer, "master", hosts.Bridge);
                hosts.Ip("link", "set", outer, "up");
                var addresses = new List<string>();
                for (var i = 0; i < count; i++)
                {
                    var address = hosts._subnet + "." + (next++).ToString(CultureInfo.InvariantCulture);
                    hosts.Ip("-n", ns, "addr", "add", address + "/24", "dev", inner);
                    addresses.Add(address);
                }

                hosts.Ip("-n", ns, "link", "set", inner, "up");
                hosts.Ip("-n", ns, "link", "set", "lo", "up");
                hosts._hosts.Add(new Host(name, ns, addresses, outer));
            }

            return hosts;
        }
        catch
        {
            hosts.Dispose();
            throw;
        }
    }

    /// <summary>Cuts <paramref name="host"/> off from every other (its link to the bridge goes down).</summary>
    public void Cut(Host host) => Ip("link", "set", host.Link, "down");

    /// <summary>Heals <see cref="Cut"/>.</summary>
    public void Heal(Host host) => Ip("link", "set", host.Link, "up");

    /// <summary>The command line that runs <paramref name="program"/> on <paramref name="host"/>.</summary>
    public static ProcessStartInfo On(Host host, string program, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("ip") { UseShellExecute = false };
        foreach (var a in new[] { "netns", "exec", host.Namespace, program }.Concat(args))
        {
            psi.ArgumentList.Add(a);
        }

        return psi;
    }

    public void Dispose()
    {
        lock (_namespaces)
        {
            foreach (var ns in _namespaces)
            {
                TryIp("netns", "del", ns);
            }

            foreach (var link in _links)
            {
                TryIp("link", "del", link);
            }

            _namespaces.Clear();
            _links.Clear();
            File.Delete(OwnerFile(_tag));
        }
    }

    private static string OwnerFile(string tag) => Path.Combine(Path.GetTempPath(), $"stormsharp-hosts-{tag}.owner");

    /// <summary>Namespaces, links and processes of rigs whose process is gone without cleaning up.</summary>
    private static void RemoveOrphans()
    {
        foreach (var file in Directory.EnumerateFiles(Path.GetTempPath(), "stormsharp-hosts-*.owner"))
        {
            var tag = Path.GetFileName(file)["stormsharp-hosts-".Length..^".owner".Length];
            if (int.TryParse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture, out var pid) && Directory.Exists($"/proc/{pid}"))
            {
                continue;
            }

            var (_, list) = Run(["netns", "list"]);
            foreach (var ns in list.Split('\n').Select(l => l.Split(' ')[0]).Where(n => n.StartsWith($"ss{tag}-", StringComparison.Ordinal)))
            {
                var (_, pids) = Run(["netns", "pids", ns]);
                foreach (var p in pids.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (int.TryParse(p.Trim(), CultureInfo.InvariantCulture, out var inside))
                    {
                        StormSharp.Benchmarks.Cluster.Rig.Signals.Send(inside, StormSharp.Benchmarks.Cluster.Rig.Signals.SigKill);
                    }
                }

                TryIp("netns", "del", ns);
            }

            TryIp("link", "del", "ssb" + tag);
            File.Delete(file);
        }
    }

    private void Ip(params string[] args)
    {
        var (code, output) = Run(args);
        if (code != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', args)} failed ({code}): {output.Trim()}");
        }
    }

    private static void TryIp(params string[] args) => _ = Run(args);

    private static (int Code, string Output) Run(string[] args)
    {
        var psi = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var output = p.StandardError.ReadToEnd() + p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(10_000))
        {
            p.Kill();
            return (-1, "timed out");
        }

        return (p.ExitCode, output);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "getuid")]
    private static extern uint GetUid();
}
