using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace StormSharp.ZooKeeper.Tests.Infrastructure;

/// <summary>
/// A misbehaving "ZooKeeper" on loopback: each accepted connection is handed to a script that
/// may answer the handshake properly and then send garbage, stall, or hang up mid-frame.
/// </summary>
public sealed class FakeServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _cts = new();
    private readonly Func<Socket, CancellationToken, Task> _script;
    private readonly Task _acceptLoop;
    private readonly List<Socket> _sockets = [];
    private int _connections;

    public FakeServer(Func<Socket, CancellationToken, Task> script)
    {
        _script = script;
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public string Address => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Reads one length-prefixed frame; null if the client hung up.</summary>
    public static async Task<byte[]?> ReadFrameAsync(Socket socket, CancellationToken token)
    {
        var header = new byte[4];
        if (!await ReadExactlyAsync(socket, header, token))
        {
            return null;
        }

        var body = new byte[BinaryPrimitives.ReadInt32BigEndian(header)];
        return await ReadExactlyAsync(socket, body, token) ? body : null;
    }

    /// <summary>Reads the ConnectRequest and grants a session with the given timeout.</summary>
    public static async Task<bool> AcceptHandshakeAsync(Socket socket, CancellationToken token, int timeoutMs = 4000)
    {
        if (await ReadFrameAsync(socket, token) is null)
        {
            return false;
        }

        var reply = new byte[4 + 4 + 4 + 8 + 4 + 16 + 1];
        BinaryPrimitives.WriteInt32BigEndian(reply, reply.Length - 4);
        BinaryPrimitives.WriteInt32BigEndian(reply.AsSpan(8), timeoutMs);
        BinaryPrimitives.WriteInt64BigEndian(reply.AsSpan(12), 0x1234);
        BinaryPrimitives.WriteInt32BigEndian(reply.AsSpan(20), 16);
        await socket.SendAsync(reply, SocketFlags.None, token);
        return true;
    }

    /// <summary>Reads requests until one that is not a ping arrives; returns its xid.</summary>
    public static async Task<int?> ReadRequestAsync(Socket socket, CancellationToken token, bool answerPings)
    {
        while (true)
        {
            var frame = await ReadFrameAsync(socket, token);
            if (frame is null)
            {
                return null;
            }

            var xid = BinaryPrimitives.ReadInt32BigEndian(frame);
            if (xid == -2)
            {
                if (answerPings)
                {
                    await socket.SendAsync(ReplyHeader(-2, 0), SocketFlags.None, token);
                }

                continue;
            }

            return xid;
        }
    }

    public static byte[] ReplyHeader(int xid, int err, int extraBody = 0)
    {
        var b = new byte[4 + 16];
        BinaryPrimitives.WriteInt32BigEndian(b, 16 + extraBody);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4), xid);
        BinaryPrimitives.WriteInt64BigEndian(b.AsSpan(8), 1);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(16), err);
        return b;
    }

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync();
        _listener.Stop();
        lock (_sockets)
        {
            foreach (var s in _sockets)
            {
                s.Dispose();
            }
        }

        try
        {
            await _acceptLoop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _cts.Dispose();
    }

    private static async Task<bool> ReadExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken token)
    {
        while (buffer.Length > 0)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, token);
            if (n == 0)
            {
                return false;
            }

            buffer = buffer[n..];
        }

        return true;
    }

    private async Task AcceptLoopAsync()
    {
        while (!_cts.IsCancellationRequested)
        {
            var socket = await _listener.AcceptSocketAsync(_cts.Token);
            Interlocked.Increment(ref _connections);
            lock (_sockets)
            {
                _sockets.Add(socket);
            }

            _ = Task.Run(async () =>
            {
                try
                {
                    await _script(socket, _cts.Token);
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
                {
                }
            });
        }
    }
}
