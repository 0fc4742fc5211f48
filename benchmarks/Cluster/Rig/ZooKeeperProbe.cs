using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace StormSharp.Benchmarks.Cluster.Rig;

/// <summary>
/// ZooKeeper's four-letter commands on its client port (<c>storm dev-zookeeper</c> allows <c>srvr</c> and <c>mntr</c>).
/// Writes are counted as transactions: the low 32 bits of the last zxid (<c>srvr</c>) advance by one per committed
/// transaction (create, delete, setData, multi, session create and close, including failed ones), whereas reads and
/// pings leave it alone. <c>mntr</c>'s <c>zk_cnt_updatelatency</c> (requests answered after going through the
/// write pipeline) is read as a cross-check; <c>zk_packets_received</c> is not used, since it counts pings and reads.
/// </summary>
internal sealed class ZooKeeperProbe(int port)
{
    public bool IsServing()
    {
        try
        {
            return Command("ruok").StartsWith("imok", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            return false;
        }
    }

    /// <summary>The server's counters now: transactions (zxid counter) and <c>zk_cnt_updatelatency</c>.</summary>
    public (long Transactions, long Updates) Counters()
    {
        long zxid = -1;
        foreach (var line in Command("srvr").Split('\n'))
        {
            if (line.StartsWith("Zxid: 0x", StringComparison.Ordinal))
            {
                zxid = long.Parse(line.AsSpan(8).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
        }

        long updates = -1;
        foreach (var line in Command("mntr").Split('\n'))
        {
            var tab = line.IndexOf('\t');
            if (tab > 0 && line.AsSpan(0, tab).SequenceEqual("zk_cnt_updatelatency"))
            {
                updates = long.Parse(line.AsSpan(tab + 1).Trim(), CultureInfo.InvariantCulture);
            }
        }

        if (zxid < 0 || updates < 0)
        {
            throw new InvalidDataException("ZooKeeper's srvr/mntr did not report Zxid and zk_cnt_updatelatency (is mntr allowed in 4lw.commands.whitelist?)");
        }

        return (zxid & 0xFFFFFFFF, updates);
    }

    private string Command(string word)
    {
        using var client = new TcpClient();
        client.SendTimeout = 2000;
        client.ReceiveTimeout = 2000;
        client.Connect("127.0.0.1", port);
        using var stream = client.GetStream();
        stream.Write(Encoding.ASCII.GetBytes(word));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return reader.ReadToEnd();
    }
}
