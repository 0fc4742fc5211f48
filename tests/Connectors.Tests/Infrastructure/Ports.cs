using System.Net;
using System.Net.Sockets;

namespace StormSharp.Connectors.Tests.Infrastructure;

public static class Ports
{
    /// <summary>A loopback port that was free a moment ago; callers retry if it is taken meanwhile.</summary>
    public static int Free()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>A free loopback port whose port + 10000 (a Redis Cluster node's bus port) was free too.</summary>
    public static int FreeWithBus()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = Free();
            if (port + 10_000 > IPEndPoint.MaxPort)
            {
                continue;
            }

            try
            {
                using var bus = new TcpListener(IPAddress.Loopback, port + 10_000);
                bus.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try another.
            }
        }

        throw new InvalidOperationException("no free loopback port with a free bus port (port + 10000) in 100 tries");
    }
}
