using System.Net;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace StormSharp.ZooKeeper.Internal;

/// <summary>
/// Keeps one ZooKeeper session alive across connections: picks servers, handshakes, re-arms
/// watches and auth on reconnect, detects expiry, and runs the socket reader, writer and pinger.
/// </summary>
internal sealed partial class Session : IAsyncDisposable
{
    private const int PasswordLength = 16;

    private readonly ZooKeeperClientOptions _options;
    private readonly ConnectionString _connectionString;
    private readonly ILogger _logger;
    private readonly Channel<PendingRequest> _outgoing = Channel.CreateUnbounded<PendingRequest>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
    private readonly List<(string Scheme, byte[] Auth)> _authInfos = [];
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource _firstSession = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly DnsEndPoint[] _servers;
    private readonly Lock _stateLock = new();

    private Task? _runLoop;
    private volatile Connection? _current;
    private long _sessionId;
    private byte[] _password = new byte[PasswordLength];
    private int _negotiatedTimeoutMs;
    private long _lastZxid;
    private long _lastHeard;
    private bool _everConnected;
    private int _nextServer;
    private int _xid;
    private Exception? _lastConnectError;
    private ConnectionState _state = ConnectionState.Disconnected;

    public Session(ZooKeeperClientOptions options, Action<ConnectionState> stateHandler)
    {
        if (options.SessionTimeout <= TimeSpan.Zero || options.SessionTimeout.TotalMilliseconds > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.SessionTimeout, "SessionTimeout must be positive");
        }

        if (options.SessionId != 0 && options.SessionPassword is null)
        {
            throw new ArgumentException("SessionPassword is required with SessionId", nameof(options));
        }

        _options = options;
        _connectionString = ConnectionString.Parse(options.ConnectionString);
        _logger = options.LoggerFactory.CreateLogger("StormSharp.ZooKeeper");
        _servers = [.. _connectionString.Servers];

        // Spread clients of one ensemble over its servers, as Apache's client does.
        Random.Shared.Shuffle(_servers);
        Watches = new WatchManager();
        Events = new EventDispatcher(_logger, stateHandler);
        _negotiatedTimeoutMs = (int)options.SessionTimeout.TotalMilliseconds;
        if (options.SessionId != 0)
        {
            _sessionId = options.SessionId;
            _password = (byte[])options.SessionPassword!.Clone();
            _lastHeard = Environment.TickCount64;
        }
    }

    public WatchManager Watches { get; }

    public EventDispatcher Events { get; }

    public string Chroot => _connectionString.Chroot;

    public long SessionId => Interlocked.Read(ref _sessionId);

    public byte[] Password
    {
        get
        {
            lock (_stateLock)
            {
                return (byte[])_password.Clone();
            }
        }
    }

    public TimeSpan SessionTimeout => TimeSpan.FromMilliseconds(Volatile.Read(ref _negotiatedTimeoutMs));

    public ConnectionState State
    {
        get
        {
            lock (_stateLock)
            {
                return _state;
            }
        }
    }

    public bool IsClosed => _closing.IsCancellationRequested;

    public DnsEndPoint? CurrentServer => _current?.Server;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _runLoop = Task.Run(RunAsync, CancellationToken.None);
        var timeout = _options.ConnectTimeout ?? _options.SessionTimeout;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await _firstSession.Task.WaitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ConnectionLossException(
                null,
                new TimeoutException(
                    $"no server of '{_options.ConnectionString}' granted a session within {timeout.TotalMilliseconds:F0} ms",
                    _lastConnectError));
        }
    }

    public void Submit(PendingRequest request)
    {
        if (_closing.IsCancellationRequested)
        {
            request.Fail(new ObjectDisposedException(nameof(ZooKeeperClient)));
            return;
        }

        if (!_outgoing.Writer.TryWrite(request))
        {
            request.Fail(new ObjectDisposedException(nameof(ZooKeeperClient)));
        }
    }

    /// <summary>Remembers credentials so that every later connection of this client re-sends them.</summary>
    public void AddAuthInfo(string scheme, byte[] auth)
    {
        lock (_stateLock)
        {
            _authInfos.Add((scheme, auth));
        }
    }

    public void RemoveAuthInfo(string scheme, byte[] auth)
    {
        lock (_stateLock)
        {
            _authInfos.RemoveAll(a => a.Scheme == scheme && a.Auth.AsSpan().SequenceEqual(auth));
        }
    }

    public string ToServerPath(string clientPath)
    {
        if (Chroot.Length == 0)
        {
            return clientPath;
        }

        return clientPath == "/" ? Chroot : Chroot + clientPath;
    }

    public string ToClientPath(string serverPath)
    {
        if (Chroot.Length == 0)
        {
            return serverPath;
        }

        if (serverPath == Chroot)
        {
            return "/";
        }

        return serverPath.StartsWith(Chroot + "/", StringComparison.Ordinal) ? serverPath[Chroot.Length..] : serverPath;
    }

    /// <summary>Drops the current connection as if the network failed (tests use it to force a reconnect).</summary>
    internal void DropConnection() => _current?.Close();

    /// <summary>
    /// Announces Closed and lets listeners react (a leader steps down) before closeSession makes
    /// the session's ephemeral nodes vanish for everyone else; then stops.
    /// </summary>
    public async Task CloseAsync(PendingRequest<bool>? closeRequest, TimeSpan wait)
    {
        if (_closing.IsCancellationRequested)
        {
            closeRequest?.ReleaseFrame();
            return;
        }

        SetState(ConnectionState.Closed);
        try
        {
            await Events.DrainAsync().WaitAsync(wait).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("event handlers still busy after {Wait}; closing the session anyway", wait);
        }
        if (closeRequest is not null && _current is { IsClosed: false })
        {
            Submit(closeRequest);
            try
            {
                await closeRequest.Task.AsTask().WaitAsync(wait).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is KeeperException or TimeoutException or ObjectDisposedException)
            {
                _logger.LogDebug(ex, "closeSession got no reply; the server will expire the session");
            }
        }
        else
        {
            closeRequest?.ReleaseFrame();
        }

        await DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_closing.IsCancellationRequested)
        {
            return;
        }

        _closing.Cancel();
        _outgoing.Writer.TryComplete();
        _current?.Close();
        if (_runLoop is not null)
        {
            try
            {
                await _runLoop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        FailQueued(() => new ObjectDisposedException(nameof(ZooKeeperClient)));
        foreach (var w in Watches.Clear())
        {
            Events.Post(new WatchedEvent(EventType.None, KeeperState.Closed, null), [w]);
        }

        SetState(ConnectionState.Closed);
        Events.Complete();
        _firstSession.TrySetException(new ObjectDisposedException(nameof(ZooKeeperClient)));
        _closing.Dispose();
    }

    private async Task RunAsync()
    {
        var token = _closing.Token;
        var failuresInRow = 0;
        while (!token.IsCancellationRequested)
        {
            ExpireIfSilentTooLong();
            var server = _servers[_nextServer];
            _nextServer = (_nextServer + 1) % _servers.Length;
            Connection connection;
            try
            {
                connection = await HandshakeAsync(server, token).ConfigureAwait(false);
            }
            catch (Exception ex) when (!token.IsCancellationRequested)
            {
                _lastConnectError = ex;
                _logger.LogDebug(ex, "connecting to {Server} failed", server);
                failuresInRow++;
                if (!await BackOffAsync(failuresInRow, token).ConfigureAwait(false))
                {
                    break;
                }

                continue;
            }
            catch (Exception)
            {
                break;
            }

            if (connection.IsClosed)
            {
                // The handshake told us the session expired; a server that says so every time
                // must not be hammered.
                connection.Dispose();
                failuresInRow++;
                if (!await BackOffAsync(failuresInRow, token).ConfigureAwait(false))
                {
                    break;
                }

                continue;
            }

            var started = Environment.TickCount64;
            await RunConnectionAsync(connection).ConfigureAwait(false);

            // A server that hangs up right after the handshake counts as a failure, so that it is
            // not reconnected to in a tight loop; a connection that served a while did not fail.
            if (Environment.TickCount64 - started < 1000)
            {
                failuresInRow++;
                if (!await BackOffAsync(failuresInRow, token).ConfigureAwait(false))
                {
                    break;
                }
            }
            else
            {
                failuresInRow = 0;
            }
        }
    }

    private async Task RunConnectionAsync(Connection connection)
    {
        _current = connection;
        _lastHeard = Environment.TickCount64;
        var reason = "connection closed";
        try
        {
            var newState = _everConnected ? ConnectionState.Reconnected : ConnectionState.Connected;
            _everConnected = true;
            SetState(newState);
            _firstSession.TrySetResult();
            _logger.LogInformation("session 0x{SessionId:x} {State} via {Server}, timeout {Timeout} ms", SessionId, newState, connection.Server, _negotiatedTimeoutMs);

            var reader = ReadLoopAsync(connection);
            var writer = WriteLoopAsync(connection);
            var pinger = PingLoopAsync(connection);
            var first = await Task.WhenAny(reader, writer, pinger).ConfigureAwait(false);
            if (first.Exception?.InnerException is { } ex)
            {
                reason = ex.Message;
                if (!_closing.IsCancellationRequested)
                {
                    _logger.LogInformation("connection to {Server} lost: {Reason}", connection.Server, ex.Message);
                }
            }

            connection.Close();
            try
            {
                await Task.WhenAll(reader, writer, pinger).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Each loop ends with an exception once the socket is closed; the first one was logged.
            }
        }
        finally
        {
            _current = null;
            connection.Close();
            connection.FailPending(reason);
            connection.Dispose();
            if (!_closing.IsCancellationRequested)
            {
                SetState(ConnectionState.Disconnected);
            }
        }
    }

    /// <summary>
    /// After every server has failed once in a row, waits a little (growing to 1 s, with jitter so a
    /// fleet of clients does not reconnect in lockstep). False when the client is closing.
    /// </summary>
    private async Task<bool> BackOffAsync(int failuresInRow, CancellationToken token)
    {
        if (failuresInRow % _servers.Length != 0)
        {
            return true;
        }

        // With a live session, queued requests wait for it (at worst until it expires). Without
        // one, nothing bounds the wait, so a round of unreachable servers fails them as Apache's
        // client does.
        if (SessionId == 0)
        {
            FailQueued(() => new ConnectionLossException(null, new IOException("no server reachable")));
        }

        var backoff = Math.Min(1000, 50 * (failuresInRow / _servers.Length)) + Random.Shared.Next(50);
        try
        {
            await Task.Delay(backoff, token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// No server can tell a partitioned client that its session expired, so after a whole session
    /// timeout without hearing from any server the client assumes it (as Curator does).
    /// </summary>
    private void ExpireIfSilentTooLong()
    {
        if (SessionId != 0 && Environment.TickCount64 - _lastHeard > Volatile.Read(ref _negotiatedTimeoutMs))
        {
            Expire("no server answered within the session timeout");
        }
    }

    private void Expire(string why)
    {
        _logger.LogWarning("session 0x{SessionId:x} expired: {Why}", SessionId, why);
        lock (_stateLock)
        {
            Interlocked.Exchange(ref _sessionId, 0);
            _password = new byte[PasswordLength];

            // A new session must not claim to have seen the old one's zxids: a restored ensemble
            // with less history would refuse it.
            Interlocked.Exchange(ref _lastZxid, 0);
        }

        FailQueued(() => new SessionExpiredException());
        foreach (var w in Watches.Clear())
        {
            Events.Post(new WatchedEvent(EventType.None, KeeperState.Expired, null), [w]);
        }

        SetState(ConnectionState.Expired);
    }

    private void FailQueued(Func<Exception> error)
    {
        while (_outgoing.Reader.TryRead(out var r))
        {
            if (r.FixedXid == Xids.Ping)
            {
                continue;
            }

            r.Fail(error());
        }
    }

    private void SetState(ConnectionState state)
    {
        lock (_stateLock)
        {
            if (_state == state || _state == ConnectionState.Closed)
            {
                return;
            }

            _state = state;
        }

        Events.Post(state);
    }
}
