using System.Net;
using System.Net.Sockets;

namespace StormSharp.ZooKeeper.Tests.Infrastructure;

/// <summary>
/// A loopback TCP forwarder in front of a server, so a test can cut a client off (and keep it
/// off) at a moment of its choosing without touching the server.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _cts = new();
    private readonly List<Socket> _open = [];
    private readonly Task _acceptLoop;
    private volatile bool _blocked;

    public TcpProxy(int targetPort)
    {
        _target = new IPEndPoint(IPAddress.Loopback, targetPort);
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Address => $"127.0.0.1:{Port}";

    /// <summary>Closes every forwarded connection and refuses new ones until <see cref="Unblock"/>.</summary>
    public void CutAndBlock()
    {
        _blocked = true;
        lock (_open)
        {
            foreach (var s in _open)
            {
                s.Dispose();
            }

            _open.Clear();
        }
    }

    public void Unblock() => _blocked = false;

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync();
        _listener.Stop();
        CutAndBlock();
        try
        {
            await _acceptLoop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _cts.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_cts.IsCancellationRequested)
        {
            var client = await _listener.AcceptSocketAsync(_cts.Token);
            if (_blocked)
            {
                client.Dispose();
                continue;
            }

            var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await upstream.ConnectAsync(_target, _cts.Token);
            }
            catch (SocketException)
            {
                client.Dispose();
                upstream.Dispose();
                continue;
            }

            lock (_open)
            {
                _open.Add(client);
                _open.Add(upstream);
            }

            _ = PumpAsync(client, upstream);
            _ = PumpAsync(upstream, client);
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16384];
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(buffer, SocketFlags.None, _cts.Token);
                if (n == 0)
                {
                    break;
                }

                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _cts.Token);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        finally
        {
            from.Dispose();
            to.Dispose();
        }
    }
}
