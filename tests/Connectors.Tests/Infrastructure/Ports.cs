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
}
