using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace StormSharp.ZooKeeper.Internal;

internal sealed partial class Session
{
    private const int BatchBytes = 64 * 1024;
    private const int SetWatchesChunkBytes = 128 * 1024;

    private static readonly byte[] PingFrame = [0, 0, 0, 8, 0xFF, 0xFF, 0xFF, 0xFE, 0, 0, 0, OpCode.Ping];

    private async Task<Connection> HandshakeAsync(DnsEndPoint server, CancellationToken token)
    {
        var timeout = Math.Max(500, Volatile.Read(ref _negotiatedTimeoutMs) / _servers.Length);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
        cts.CancelAfter(timeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(server, cts.Token).ConfigureAwait(false);

            long sessionId;
            byte[] password;
            lock (_stateLock)
            {
                sessionId = _sessionId;
                password = _password;
            }

            var w = new JuteWriter(64);
            try
            {
                w.WriteInt(0);
                w.WriteInt(0); // protocol version
                w.WriteLong(Interlocked.Read(ref _lastZxid));
                w.WriteInt((int)_options.SessionTimeout.TotalMilliseconds);
                w.WriteLong(sessionId);
                w.WriteBuffer(password);
                w.WriteBool(false); // read-only sessions not wanted
                w.FinishFrame();
                await socket.SendAsync(w.Buffer.AsMemory(0, w.Length), SocketFlags.None, cts.Token).ConfigureAwait(false);
            }
            finally
            {
                w.Dispose();
            }

            var header = new byte[4];
            await ReceiveExactlyAsync(socket, header, cts.Token).ConfigureAwait(false);
            var length = BinaryPrimitives.ReadInt32BigEndian(header);
            if (length is < 20 or > 1024)
            {
                throw new ProtocolException($"connect response of {length} bytes from {server}");
            }

            var body = new byte[length];
            await ReceiveExactlyAsync(socket, body, cts.Token).ConfigureAwait(false);
            var (negotiated, newId, newPassword) = ParseConnectResponse(body);
            var connection = new Connection(socket, server);
            if (negotiated <= 0)
            {
                connection.Close();
                Expire("the server reports the session expired");
                return connection;
            }

            lock (_stateLock)
            {
                if (newId != _sessionId && _sessionId != 0)
                {
                    _logger.LogWarning("server {Server} gave session 0x{New:x} for 0x{Old:x}", server, newId, _sessionId);
                }

                Interlocked.Exchange(ref _sessionId, newId);
                _password = newPassword;
            }

            Volatile.Write(ref _negotiatedTimeoutMs, negotiated);
            await SendSessionSetupAsync(connection, cts.Token).ConfigureAwait(false);
            return connection;
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"{server} did not complete the handshake within {timeout} ms");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static (int Timeout, long SessionId, byte[] Password) ParseConnectResponse(byte[] body)
    {
        var r = new JuteReader(body);
        _ = r.ReadInt(); // protocol version
        var timeout = r.ReadInt();
        var sessionId = r.ReadLong();
        var password = r.ReadBuffer() ?? [];
        return (timeout, sessionId, password);
    }

    /// <summary>
    /// Before any queued request goes out on a new connection: credentials first (so requests
    /// pass ACL checks), then the watches this session holds, relative to the last zxid seen so
    /// the server fires at once whatever changed while the client was away.
    /// </summary>
    private async Task SendSessionSetupAsync(Connection connection, CancellationToken token)
    {
        List<(string Scheme, byte[] Auth)> auths;
        lock (_stateLock)
        {
            auths = [.. _authInfos];
        }

        var w = new JuteWriter(256);
        try
        {
            foreach (var (scheme, auth) in auths)
            {
                var start = w.Length;
                w.WriteInt(0);
                w.WriteInt(Xids.Auth);
                w.WriteInt(OpCode.Auth);
                w.WriteInt(0);
                w.WriteString(scheme);
                w.WriteBuffer(auth);
                BinaryPrimitives.WriteInt32BigEndian(w.Buffer.AsSpan(start), w.Length - start - 4);
                connection.AuthPending.Enqueue(null);
            }

            var (data, exists, children) = Watches.Paths();
            var lastZxid = Interlocked.Read(ref _lastZxid);
            int di = 0, ei = 0, ci = 0;
            while (di < data.Count || ei < exists.Count || ci < children.Count)
            {
                var start = w.Length;
                w.WriteInt(0);
                w.WriteInt(Xids.SetWatches);
                w.WriteInt(OpCode.SetWatches);
                w.WriteLong(lastZxid);
                var budget = SetWatchesChunkBytes;
                WriteChunk(ref w, data, ref di, ref budget);
                WriteChunk(ref w, exists, ref ei, ref budget);
                WriteChunk(ref w, children, ref ci, ref budget);
                BinaryPrimitives.WriteInt32BigEndian(w.Buffer.AsSpan(start), w.Length - start - 4);
            }

            if (w.Length > 0)
            {
                await connection.Socket.SendAsync(w.Buffer.AsMemory(0, w.Length), SocketFlags.None, token).ConfigureAwait(false);
            }
        }
        finally
        {
            w.Dispose();
        }
    }

    private void WriteChunk(ref JuteWriter w, List<string> paths, ref int index, ref int budget)
    {
        var count = 0;
        var end = index;
        var size = 0;
        while (end < paths.Count && (count == 0 || size + paths[end].Length + 4 <= budget))
        {
            size += paths[end].Length + 4;
            end++;
            count++;
        }

        budget -= size;
        w.WriteInt(count);
        for (; index < end; index++)
        {
            w.WriteString(ToServerPath(paths[index]));
        }
    }

    private static async Task ReceiveExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken token)
    {
        while (buffer.Length > 0)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, token).ConfigureAwait(false);
            if (n == 0)
            {
                throw new IOException("the server closed the connection");
            }

            buffer = buffer[n..];
        }
    }

    private async Task ReadLoopAsync(Connection connection)
    {
        await Task.Yield();
        var buffer = ArrayPool<byte>.Shared.Rent(BatchBytes);
        var start = 0;
        var end = 0;
        try
        {
            while (true)
            {
                while (end - start >= 4)
                {
                    var length = BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(start));
                    if (length < 16 || length > _options.MaxFrameBytes)
                    {
                        throw new ProtocolException($"frame length {length} from {connection.Server}");
                    }

                    if (end - start - 4 < length)
                    {
                        if (4 + length > buffer.Length)
                        {
                            var bigger = ArrayPool<byte>.Shared.Rent(4 + length);
                            buffer.AsSpan(start, end - start).CopyTo(bigger);
                            ArrayPool<byte>.Shared.Return(buffer);
                            buffer = bigger;
                            end -= start;
                            start = 0;
                        }

                        break;
                    }

                    HandleFrame(connection, buffer.AsSpan(start + 4, length));
                    start += 4 + length;
                }

                if (start == end)
                {
                    start = end = 0;
                }
                else if (end == buffer.Length)
                {
                    buffer.AsSpan(start, end - start).CopyTo(buffer);
                    end -= start;
                    start = 0;
                }

                var n = await connection.Socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None, connection.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    throw new IOException($"{connection.Server} closed the connection");
                }

                end += n;
                var now = Environment.TickCount64;
                connection.LastReceive = now;
                _lastHeard = now;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void HandleFrame(Connection connection, ReadOnlySpan<byte> frame)
    {
        var r = new JuteReader(frame);
        var xid = r.ReadInt();
        var zxid = r.ReadLong();
        var error = (ErrorCode)r.ReadInt();
        if (zxid > 0)
        {
            Interlocked.Exchange(ref _lastZxid, zxid);
        }

        switch (xid)
        {
            case Xids.Notification:
                HandleNotification(ref r);
                return;
            case Xids.Ping:
            case Xids.SetWatches:
                return;
            case Xids.Auth:
                if (connection.AuthPending.TryDequeue(out var auth) && auth is not null)
                {
                    auth.OnReply(error, ref r);
                }

                if (error == ErrorCode.AuthFailed)
                {
                    _logger.LogWarning("server {Server} rejected credentials", connection.Server);
                }

                return;
        }

        if (!connection.Pending.TryDequeue(out var request))
        {
            throw new ProtocolException($"reply with xid {xid} but no request outstanding");
        }

        if (request.Xid != xid)
        {
            request.Fail(new ConnectionLossException(request.Path, new ProtocolException("reply out of order")));
            throw new ProtocolException($"reply with xid {xid}, expected {request.Xid}");
        }

        if (request.Watcher is { } watcher && request.Path is { } path)
        {
            switch (request.WatchKind)
            {
                case WatchKind.Exists when error == ErrorCode.Ok:
                    Watches.Register(WatchKind.Data, path, watcher);
                    break;
                case WatchKind.Exists when error == ErrorCode.NoNode:
                    Watches.Register(WatchKind.Exists, path, watcher);
                    break;
                case WatchKind.Data or WatchKind.Children when error == ErrorCode.Ok:
                    Watches.Register(request.WatchKind, path, watcher);
                    break;
                default:
                    break;
            }
        }

        request.OnReply(error, ref r);
    }

    private void HandleNotification(ref JuteReader r)
    {
        var type = (EventType)r.ReadInt();
        var state = (KeeperState)r.ReadInt();
        var serverPath = r.ReadString();
        if (serverPath is null)
        {
            return;
        }

        var path = ToClientPath(serverPath);
        var watchers = Watches.Materialize(type, path);
        if (watchers.Count > 0)
        {
            Events.Post(new WatchedEvent(type, state, path), watchers);
        }
    }

    private async Task WriteLoopAsync(Connection connection)
    {
        await Task.Yield();
        var reader = _outgoing.Reader;
        var batch = ArrayPool<byte>.Shared.Rent(BatchBytes);
        try
        {
            while (await reader.WaitToReadAsync(connection.Token).ConfigureAwait(false))
            {
                var used = 0;
                while (used < BatchBytes - 1024 && reader.TryRead(out var request))
                {
                    if (request.FixedXid == 0)
                    {
                        if (request.IsCompleted)
                        {
                            // Cancelled by its caller before it was sent: better never to send it.
                            request.ReleaseFrame();
                            continue;
                        }

                        var xid = ++_xid;
                        if (xid <= 0)
                        {
                            xid = _xid = 1;
                        }

                        request.Xid = xid;
                        BinaryPrimitives.WriteInt32BigEndian(request.FrameArray.AsSpan(4), xid);
                        connection.Pending.Enqueue(request);
                        if (connection.IsClosed)
                        {
                            connection.FailPending("connection closed");
                            continue;
                        }
                    }
                    else if (request.FixedXid == Xids.Auth)
                    {
                        connection.AuthPending.Enqueue(request);
                        if (connection.IsClosed)
                        {
                            connection.FailPending("connection closed");
                            continue;
                        }
                    }

                    var frame = request.Frame;
                    if (frame.Length > batch.Length - used)
                    {
                        if (used > 0)
                        {
                            await SendAsync(connection, batch.AsMemory(0, used)).ConfigureAwait(false);
                            used = 0;
                        }

                        if (frame.Length > batch.Length)
                        {
                            await SendAsync(connection, frame).ConfigureAwait(false);
                            request.ReleaseFrame();
                            continue;
                        }
                    }

                    frame.Span.CopyTo(batch.AsSpan(used));
                    used += frame.Length;
                    request.ReleaseFrame();
                }

                if (used > 0)
                {
                    await SendAsync(connection, batch.AsMemory(0, used)).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(batch);
        }
    }

    private static async ValueTask SendAsync(Connection connection, ReadOnlyMemory<byte> data)
    {
        while (data.Length > 0)
        {
            var n = await connection.Socket.SendAsync(data, SocketFlags.None, connection.Token).ConfigureAwait(false);
            data = data[n..];
        }

        connection.LastSend = Environment.TickCount64;
    }

    /// <summary>
    /// Pings when the connection is idle, and gives up on a server that has been silent for two
    /// thirds of the session timeout, leaving a third to find another server before expiry.
    /// </summary>
    private async Task PingLoopAsync(Connection connection)
    {
        var timeout = Volatile.Read(ref _negotiatedTimeoutMs);
        var readTimeout = timeout * 2 / 3;
        var pingInterval = timeout / 3;
        var tick = Math.Max(10, Math.Min(pingInterval / 4, 250));
        while (true)
        {
            await Task.Delay(tick, connection.Token).ConfigureAwait(false);
            var now = Environment.TickCount64;
            if (now - connection.LastReceive > readTimeout)
            {
                throw new TimeoutException($"{connection.Server} silent for {now - connection.LastReceive} ms");
            }

            if (now - connection.LastSend >= pingInterval)
            {
                connection.LastSend = now;
                _outgoing.Writer.TryWrite(new PingRequest(PingFrame));
            }
        }
    }
}
