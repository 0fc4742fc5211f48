using System.Text;
using StormSharp.ZooKeeper.Internal;

namespace StormSharp.ZooKeeper;

/// <summary>
/// An asynchronous ZooKeeper client: one session, kept alive across connections to the servers of
/// one ensemble. Requests are pipelined on one connection and answered in order; watch
/// notifications and <see cref="ConnectionStateChanged"/> run one at a time on the client's event
/// thread, in the order the client learned of them.
/// </summary>
/// <remarks>
/// A request whose connection drops before its reply fails with <see cref="ConnectionLossException"/>
/// (it may or may not have been applied). Requests issued while disconnected wait for the next
/// connection; they fail with <see cref="SessionExpiredException"/> if the session expires first.
/// After expiry the client opens a new session by itself; listen for <see cref="ConnectionState.Expired"/>
/// to re-create ephemeral nodes and watches.
/// </remarks>
public sealed partial class ZooKeeperClient : IAsyncDisposable
{
    private static readonly ReplyParser<Stat> StatReply = static (ref JuteReader r) => r.ReadStat();
    private static readonly ReplyParser<NodeData> DataReply = static (ref JuteReader r) => new NodeData(r.ReadBuffer() ?? [], r.ReadStat());
    private static readonly ReplyParser<bool> EmptyReply = static (ref JuteReader r) => true;

    private readonly Session _session;
    private readonly ReplyParser<string> _pathReply;
    private readonly ReplyParser<NodeChildren> _childrenReply;

    private ZooKeeperClient(ZooKeeperClientOptions options)
    {
        ConnectionStateChanged = options.OnConnectionStateChanged;
        _session = new Session(options, OnStateChanged);
        _pathReply = (ref JuteReader r) => _session.ToClientPath(r.ReadString() ?? "/");
        _childrenReply = static (ref JuteReader r) => new NodeChildren(r.ReadStrings(static s => s), r.ReadStat());
    }

    /// <summary>
    /// Raised on the event thread for every connection-state change, in order with watch events.
    /// Handlers must not block for long: they delay every later event.
    /// </summary>
    public event Action<ConnectionState>? ConnectionStateChanged;

    /// <summary>The current session's id; 0 between an expiry and the next session.</summary>
    public long SessionId => _session.SessionId;

    /// <summary>The current session's password; with <see cref="SessionId"/> it identifies the session.</summary>
    public byte[] SessionPassword => _session.Password;

    /// <summary>The session timeout the server granted (the requested one until a server answers).</summary>
    public TimeSpan SessionTimeout => _session.SessionTimeout;

    public ConnectionState State => _session.State;

    /// <summary>The chroot from the connection string, "" when none.</summary>
    public string Chroot => _session.Chroot;

    /// <summary>The server of the current connection, or null while disconnected.</summary>
    public string? ConnectedServer => _session.CurrentServer is { } s ? $"{s.Host}:{s.Port}" : null;

    /// <summary>Connects and waits for the first session; throws <see cref="ConnectionLossException"/> if none is granted within the connect timeout.</summary>
    public static async Task<ZooKeeperClient> ConnectAsync(ZooKeeperClientOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var client = new ZooKeeperClient(options);
        try
        {
            await client._session.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await client._session.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return client;
    }

    /// <summary>Connects with default options to <paramref name="connectionString"/>.</summary>
    public static Task<ZooKeeperClient> ConnectAsync(string connectionString, CancellationToken cancellationToken = default) =>
        ConnectAsync(new ZooKeeperClientOptions { ConnectionString = connectionString }, cancellationToken);

    /// <summary>Creates a node and returns its actual path (with the sequence suffix for sequential modes).</summary>
    public ValueTask<string> CreateAsync(string path, ReadOnlyMemory<byte> data, IReadOnlyList<Acl> acl, CreateMode mode = CreateMode.Persistent, CancellationToken cancellationToken = default)
    {
        PathUtil.Validate(path, mode is CreateMode.PersistentSequential or CreateMode.EphemeralSequential);
        ArgumentNullException.ThrowIfNull(acl);
        var w = JuteWriter.ForRequest(OpCode.Create, path.Length + data.Length + 64);
        w.WriteString(_session.ToServerPath(path));
        w.WriteBuffer(data.Span);
        w.WriteAcls(acl);
        w.WriteInt((int)mode);
        return Send(new PendingRequest<string>(ref w, path, _pathReply), cancellationToken);
    }

    /// <summary>
    /// Creates a node, first creating any missing ancestors as empty persistent nodes with the
    /// same ACL. Ancestors that already exist (or appear concurrently) are fine.
    /// </summary>
    public async ValueTask<string> CreateWithParentsAsync(string path, ReadOnlyMemory<byte> data, IReadOnlyList<Acl> acl, CreateMode mode = CreateMode.Persistent, CancellationToken cancellationToken = default)
    {
        try
        {
            return await CreateAsync(path, data, acl, mode, cancellationToken).ConfigureAwait(false);
        }
        catch (NoNodeException)
        {
        }

        var parent = PathUtil.Parent(path);
        var missing = new Stack<string>();
        while (parent != "/")
        {
            missing.Push(parent);
            parent = PathUtil.Parent(parent);
        }

        while (missing.TryPop(out var ancestor))
        {
            try
            {
                await CreateAsync(ancestor, ReadOnlyMemory<byte>.Empty, acl, CreateMode.Persistent, cancellationToken).ConfigureAwait(false);
            }
            catch (NodeExistsException)
            {
            }
        }

        return await CreateAsync(path, data, acl, mode, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a node if its version is <paramref name="version"/> (-1: any version).</summary>
    public ValueTask DeleteAsync(string path, int version = -1, CancellationToken cancellationToken = default)
    {
        PathUtil.Validate(path, false);
        var w = JuteWriter.ForRequest(OpCode.Delete, path.Length + 16);
        w.WriteString(_session.ToServerPath(path));
        w.WriteInt(version);
        var task = Send(new PendingRequest<bool>(ref w, path, EmptyReply), cancellationToken);
        return task.IsCompletedSuccessfully ? default : new ValueTask(task.AsTask());
    }

    /// <summary>
    /// Deletes a node and everything below it, children first. Nodes that vanish meanwhile are
    /// fine; a node that gains a child meanwhile is retried. Not atomic: use MultiAsync for that.
    /// </summary>
    public async ValueTask DeleteRecursiveAsync(string path, CancellationToken cancellationToken = default)
    {
        PathUtil.Validate(path, false);
        for (var attempt = 0; ; attempt++)
        {
            IReadOnlyList<string> children;
            try
            {
                children = (await GetChildrenAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false)).Children;
            }
            catch (NoNodeException)
            {
                return;
            }

            var prefix = path == "/" ? "/" : path + "/";
            await Task.WhenAll(children.Select(c => DeleteRecursiveAsync(prefix + c, cancellationToken).AsTask())).ConfigureAwait(false);
            if (path == "/")
            {
                return;
            }

            try
            {
                await DeleteAsync(path, -1, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (NoNodeException)
            {
                return;
            }
            catch (NotEmptyException) when (attempt < 10)
            {
            }
        }
    }

    /// <summary>
    /// The node's Stat, or null if it does not exist. With a watcher, it fires once on the node's
    /// creation, deletion or data change.
    /// </summary>
    public ValueTask<Stat?> ExistsAsync(string path, Action<WatchedEvent>? watcher = null, CancellationToken cancellationToken = default)
    {
        PathUtil.Validate(path, false);
        var w = JuteWriter.ForRequest(OpCode.Exists, path.Length + 16);
        w.WriteString(_session.ToServerPath(path));
        w.WriteBool(watcher is not null);
        var request = new PendingRequest<Stat?>(ref w, path, StatReply!) { NoNodeIsDefault = true, Watcher = watcher, WatchKind = WatchKind.Exists };
        return Send(request, cancellationToken);
    }

    /// <summary>The node's data and Stat. With a watcher, it fires once on the node's deletion or data change.</summary>
    public ValueTask<NodeData> GetDataAsync(string path, Action<WatchedEvent>? watcher = null, CancellationToken cancellationToken = default)
    {
        PathUtil.Validate(path, false);
        var w = JuteWriter.ForRequest(OpCode.GetData, path.Length + 16);
        w.WriteString(_session.ToServerPath(path));
        w.WriteBool(watcher is not null);
        return Send(new PendingRequest<NodeData>(ref w, path, DataReply) { Watcher = watcher, WatchKind = WatchKind.Data }, cancellationToken);
    }

    /// <summary>Replaces the node's data if its version is <paramref name="version"/> (-1: any), returning the new Stat.</summary>
    public ValueTask<Stat> SetDataAsync(string path, ReadOnlyMemory<byte> data, int version = -1, CancellationToken cancellationToken = default)
    {
        PathUtil.Validate(path, false);
        var w = JuteWriter.ForRequest(OpCode.SetData, path.Length + data.Length + 16);
        w.WriteString(_session.ToServerPath(path));
        w.WriteBuffer(data.Span);
        w.WriteInt(version);
        return Send(new PendingRequest<Stat>(ref w, path, StatReply), cancellationToken);
    }

    /// <summary>
    /// The node's child names and Stat. With a watcher, it fires once when a child is created or
    /// deleted, or the node itself is deleted.
    /// </summary>
    public ValueTask<NodeChildren> GetChildrenAsync(string path, Action<WatchedEvent>? watcher = null, CancellationToken cancellationToken = default)
    {
        PathUtil.Validate(path, false);
        var w = JuteWriter.ForRequest(OpCode.GetChildren2, path.Length + 16);
        w.WriteString(_session.ToServerPath(path));
        w.WriteBool(watcher is not null);
        return Send(new PendingRequest<NodeChildren>(ref w, path, _childrenReply) { Watcher = watcher, WatchKind = WatchKind.Children }, cancellationToken);
    }

    /// <summary>Waits until the connected server has caught up with the leader for <paramref name="path"/>, so a following read sees every earlier write.</summary>
    public async ValueTask SyncAsync(string path, CancellationToken cancellationToken = default)
    {
        PathUtil.Validate(path, false);
        var w = JuteWriter.ForRequest(OpCode.Sync, path.Length + 16);
        w.WriteString(_session.ToServerPath(path));
        await Send(new PendingRequest<string>(ref w, path, _pathReply), cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<(IReadOnlyList<Acl> Acl, Stat Stat)> GetAclAsync(string path, CancellationToken cancellationToken = default)
    {
        PathUtil.Validate(path, false);
        var w = JuteWriter.ForRequest(OpCode.GetAcl, path.Length + 16);
        w.WriteString(_session.ToServerPath(path));
        return Send(new PendingRequest<(IReadOnlyList<Acl>, Stat)>(ref w, path, static (ref JuteReader r) => (r.ReadAcls(), r.ReadStat())), cancellationToken);
    }

    /// <summary>Replaces the node's ACL if its ACL version is <paramref name="aclVersion"/> (-1: any).</summary>
    public ValueTask<Stat> SetAclAsync(string path, IReadOnlyList<Acl> acl, int aclVersion = -1, CancellationToken cancellationToken = default)
    {
        PathUtil.Validate(path, false);
        var w = JuteWriter.ForRequest(OpCode.SetAcl, path.Length + 64);
        w.WriteString(_session.ToServerPath(path));
        w.WriteAcls(acl);
        w.WriteInt(aclVersion);
        return Send(new PendingRequest<Stat>(ref w, path, StatReply), cancellationToken);
    }

    /// <summary>
    /// Adds credentials to the session (for "digest": <c>user:password</c>). They are re-sent on
    /// every reconnect; the returned task completes when the server has accepted them.
    /// </summary>
    public async ValueTask AddAuthAsync(string scheme, string auth, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(scheme);
        ArgumentNullException.ThrowIfNull(auth);
        var bytes = Encoding.UTF8.GetBytes(auth);
        _session.AddAuthInfo(scheme, bytes);
        var w = JuteWriter.ForRequest(OpCode.Auth, auth.Length + scheme.Length + 16);
        w.WriteInt(0);
        w.WriteString(scheme);
        w.WriteBuffer(bytes);
        var request = new PendingRequest<bool>(ref w, null, EmptyReply, Xids.Auth);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(request.FrameArray.AsSpan(4), Xids.Auth);
        try
        {
            await Send(request, cancellationToken).ConfigureAwait(false);
        }
        catch (AuthFailedException)
        {
            _session.RemoveAuthInfo(scheme, bytes);
            throw;
        }
    }

    /// <summary>Closes the session (its ephemeral nodes go at once) and stops the client.</summary>
    public async Task CloseAsync()
    {
        if (_session.IsClosed)
        {
            return;
        }

        var w = JuteWriter.ForRequest(OpCode.CloseSession, 0);
        var request = new PendingRequest<bool>(ref w, null, EmptyReply);
        var wait = TimeSpan.FromMilliseconds(Math.Min(2000, SessionTimeout.TotalMilliseconds / 2));
        await _session.CloseAsync(request, wait).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await CloseAsync().ConfigureAwait(false);

    /// <summary>Drops the connection as a network fault would; the session continues on a new one.</summary>
    internal void SimulateConnectionLoss() => _session.DropConnection();

    private ValueTask<T> Send<T>(PendingRequest<T> request, CancellationToken cancellationToken)
    {
        request.RegisterCancellation(cancellationToken);
        _session.Submit(request);
        return request.Task;
    }

    private void OnStateChanged(ConnectionState state) => ConnectionStateChanged?.Invoke(state);
}
