using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace StormSharp.ZooKeeper.Internal;

/// <summary>One TCP connection of a session: its socket and the requests sent on it awaiting replies.</summary>
internal sealed class Connection : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private int _closed;

    public Connection(Socket socket, DnsEndPoint server)
    {
        Socket = socket;
        Server = server;
        LastReceive = Environment.TickCount64;
        LastSend = LastReceive;
    }

    public Socket Socket { get; }

    public DnsEndPoint Server { get; }

    public CancellationToken Token => _cts.Token;

    /// <summary>Sent requests in send order; the server answers a session's requests in order.</summary>
    public ConcurrentQueue<PendingRequest> Pending { get; } = new();

    /// <summary>Auth packets in send order; null marks one re-sent at connect with nobody waiting.</summary>
    public ConcurrentQueue<PendingRequest?> AuthPending { get; } = new();

    public long LastReceive { get; set; }

    public long LastSend { get; set; }

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        try
        {
            _cts.Cancel();
        }
        catch (AggregateException)
        {
            // Registered callbacks only cancel socket operations; their failures do not matter here.
        }

        try
        {
            Socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        Socket.Dispose();
    }

    /// <summary>
    /// Fails everything awaiting a reply. Safe to call repeatedly and concurrently with the writer:
    /// the writer calls it again after enqueueing if it sees the connection closed.
    /// </summary>
    public void FailPending(string? reason)
    {
        while (Pending.TryDequeue(out var r))
        {
            r.Fail(new ConnectionLossException(r.Path, reason is null ? null : new IOException(reason)));
        }

        while (AuthPending.TryDequeue(out var a))
        {
            a?.Fail(new ConnectionLossException(null, reason is null ? null : new IOException(reason)));
        }
    }

    public void Dispose()
    {
        Close();
        _cts.Dispose();
    }
}
