using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StormSharp.Cluster.Internal;

namespace StormSharp.Cluster;

/// <summary>
/// <see cref="IClusterState"/> in memory, for local mode and tests: the same layout, versions,
/// conflicts, watches and ephemeral ownership as <see cref="ZooKeeperClusterState"/>, with no
/// server. Each instance is one session; <see cref="OpenSession"/> opens another on the same
/// state, as a second daemon would connect to the same ensemble.
/// </summary>
/// <remarks>
/// Records are stored serialized, so readers get copies and local mode exercises the same
/// protobuf encoding as a cluster. Operations complete synchronously; watch handlers and
/// <see cref="LeadershipChanged"/> run on other threads, as with ZooKeeper.
/// </remarks>
public sealed class InMemoryClusterState : IClusterState
{
    private readonly InMemoryStore _store;
    private readonly ClusterPaths _paths;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, byte[]> _ephemerals = new(StringComparer.Ordinal);
    private readonly List<ChangeFeed> _feeds = [];
    private TaskCompletionSource _leadership = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _candidateId;
    private bool _isLeader;
    private long _session;
    private bool _disposed;

    /// <summary>A new, empty cluster state and its first session.</summary>
    public InMemoryClusterState(ClusterStateOptions? options = null, ILoggerFactory? loggerFactory = null)
        : this(CreateStore(options), loggerFactory ?? NullLoggerFactory.Instance)
    {
    }

    private InMemoryClusterState(InMemoryStore store, ILoggerFactory loggerFactory)
    {
        _store = store;
        _paths = store.Paths;
        _logger = loggerFactory.CreateLogger<InMemoryClusterState>();
        LoggerFactory = loggerFactory;
        _session = store.NewSession();
    }

    public event Action<bool>? LeadershipChanged;

    public bool IsLeader
    {
        get
        {
            lock (_lock)
            {
                return _isLeader;
            }
        }
    }

    private ILoggerFactory LoggerFactory { get; }

    /// <summary>Another session on the same state, e.g. for a second daemon in local mode.</summary>
    public InMemoryClusterState OpenSession()
    {
        ThrowIfDisposed();
        return new InMemoryClusterState(_store, LoggerFactory);
    }

    /// <summary>
    /// Ends this session as a ZooKeeper expiry would (its ephemeral nodes and its place in the
    /// election go, and others see it), then carries on under a new session exactly as
    /// <see cref="ZooKeeperClusterState"/> does: registrations re-created, the election re-entered
    /// at the back, watches re-read.
    /// </summary>
    public void ExpireSession()
    {
        ThrowIfDisposed();
        long old;
        lock (_lock)
        {
            old = _session;
            _session = _store.NewSession();
        }

        _store.EndSession(old);
        ReconcileLeadership();
        List<KeyValuePair<string, byte[]>> registrations;
        string? candidate;
        long session;
        lock (_lock)
        {
            registrations = [.. _ephemerals];
            candidate = _candidateId;
            session = _session;
        }

        foreach (var (path, data) in registrations)
        {
            _store.PutEphemeral(path, data, session);
        }

        if (candidate is not null)
        {
            _store.AddCandidate(candidate, session, this);
        }
    }

    public Task RegisterSupervisorAsync(string supervisorId, SupervisorInfo info, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(info);
        RegisterEphemeral(_paths.Supervisor(supervisorId), info.ToByteArray());
        return Task.CompletedTask;
    }

    public Task RemoveSupervisorAsync(string supervisorId, CancellationToken cancellationToken = default)
    {
        RemoveEphemeral(_paths.Supervisor(supervisorId));
        return Task.CompletedTask;
    }

    public Task<SupervisorInfo?> GetSupervisorAsync(string supervisorId, CancellationToken cancellationToken = default)
    {
        var path = _paths.Supervisor(supervisorId);
        ThrowIfDisposed();
        return Task.FromResult(_store.Get(path) is { } node ? Records.Decode(SupervisorInfo.Parser, node.Data, path) : null);
    }

    public Task<IReadOnlyDictionary<string, SupervisorInfo>> GetSupervisorsAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        IReadOnlyDictionary<string, SupervisorInfo> all = ReadChildren(_paths.Supervisors, SupervisorInfo.Parser).ToDictionary(kv => kv.Key, kv => kv.Value.Value, StringComparer.Ordinal);
        return Task.FromResult(all);
    }

    public Task<int> SetStormBaseAsync(string topologyId, StormBase value, int expectedVersion = StateVersion.Any, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Task.FromResult(SetRecord(_paths.Storm(topologyId), value, expectedVersion, ClusterPaths.Describe("storm base", topologyId)));
    }

    public Task<Versioned<StormBase>?> GetStormBaseAsync(string topologyId, CancellationToken cancellationToken = default) =>
        Task.FromResult(GetRecord(_paths.Storm(topologyId), StormBase.Parser));

    public Task<IReadOnlyList<string>> GetActiveStormsAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return Task.FromResult<IReadOnlyList<string>>([.. _store.Children(_paths.Storms).Select(c => c.Name)]);
    }

    public Task<int> SetAssignmentAsync(string topologyId, Assignment value, int expectedVersion = StateVersion.Any, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Task.FromResult(SetRecord(_paths.Assignment(topologyId), value, expectedVersion, ClusterPaths.Describe("assignment", topologyId)));
    }

    public Task<Versioned<Assignment>?> GetAssignmentAsync(string topologyId, CancellationToken cancellationToken = default) =>
        Task.FromResult(GetRecord(_paths.Assignment(topologyId), Assignment.Parser));

    public Task<IReadOnlyDictionary<string, Versioned<Assignment>>> GetAssignmentsAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return Task.FromResult<IReadOnlyDictionary<string, Versioned<Assignment>>>(ReadChildren(_paths.Assignments, Assignment.Parser));
    }

    public Task RemoveAssignmentAsync(string topologyId, int expectedVersion = StateVersion.Any, CancellationToken cancellationToken = default)
    {
        var path = _paths.Assignment(topologyId);
        Records.CheckExpectedVersion(expectedVersion);
        ThrowIfDisposed();
        if (!_store.Delete(path, expectedVersion))
        {
            throw new ClusterStateConflictException(ClusterPaths.Describe("assignment", topologyId), expectedVersion);
        }

        return Task.CompletedTask;
    }

    public Task RemoveTopologyAsync(string topologyId, CancellationToken cancellationToken = default)
    {
        var storm = _paths.Storm(topologyId);
        ThrowIfDisposed();
        _store.DeleteTrees(_paths.TopologyErrors(topologyId), _paths.Assignment(topologyId), storm);
        return Task.CompletedTask;
    }

    public Task ReportErrorAsync(string topologyId, ErrorInfo error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(error);
        var parent = _paths.ComponentErrors(topologyId, error.Component);
        ThrowIfDisposed();
        _store.AppendCapped(parent, ClusterPaths.ErrorPrefix, error.ToByteArray(), _store.Options.MaxErrorsPerComponent);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ErrorInfo>> GetErrorsAsync(string topologyId, string component, CancellationToken cancellationToken = default)
    {
        var parent = _paths.ComponentErrors(topologyId, component);
        ThrowIfDisposed();
        return Task.FromResult<IReadOnlyList<ErrorInfo>>(
            [.. _store.Children(parent).OrderByDescending(c => ClusterPaths.Sequence(c.Name)).Select(c => Records.Decode(ErrorInfo.Parser, c.Data, parent + "/" + c.Name))]);
    }

    public Task RemoveErrorsAsync(string topologyId, CancellationToken cancellationToken = default)
    {
        var root = _paths.TopologyErrors(topologyId);
        ThrowIfDisposed();
        _store.DeleteTrees(root);
        return Task.CompletedTask;
    }

    public Task RegisterNimbusAsync(NimbusSummary summary, CancellationToken cancellationToken = default)
    {
        var id = ClusterPaths.NimbusId(summary);
        RegisterEphemeral(_paths.Nimbus(id), summary.ToByteArray());
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<NimbusSummary>> GetNimbusesAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return Task.FromResult<IReadOnlyList<NimbusSummary>>([.. ReadChildren(_paths.Nimbuses, NimbusSummary.Parser).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value.Value)]);
    }

    public Task JoinLeaderElectionAsync(string nimbusId, CancellationToken cancellationToken = default)
    {
        ClusterPaths.CheckId(nimbusId, "Nimbus id");
        long session;
        lock (_lock)
        {
            ThrowIfDisposed();
            if (_candidateId is not null)
            {
                throw new InvalidOperationException($"already in the leader election as '{_candidateId}'");
            }

            _candidateId = nimbusId;
            session = _session;
        }

        _store.AddCandidate(nimbusId, session, this);
        return Task.CompletedTask;
    }

    public Task LeaveLeaderElectionAsync()
    {
        long session;
        lock (_lock)
        {
            if (_candidateId is null)
            {
                return Task.CompletedTask;
            }

            _candidateId = null;
            session = _session;
        }

        _store.RemoveCandidate(session);
        ReconcileLeadership();
        return Task.CompletedTask;
    }

    public Task WaitForLeadershipAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_candidateId is null)
            {
                throw new InvalidOperationException("not in the leader election: call JoinLeaderElectionAsync first");
            }

            return _leadership.Task.WaitAsync(cancellationToken);
        }
    }

    public Task<string?> GetLeaderAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return Task.FromResult(_store.Leader());
    }

    public Task AddBlobHolderAsync(string key, string nimbusId, CancellationToken cancellationToken = default)
    {
        var path = _paths.BlobHolder(key, nimbusId);
        ThrowIfDisposed();
        _store.Set(path, [], StateVersion.Any);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> GetBlobHoldersAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = _paths.Blob(key);
        ThrowIfDisposed();
        return Task.FromResult<IReadOnlyList<string>>([.. _store.Children(path).Select(c => c.Name)]);
    }

    public Task<IReadOnlyList<string>> GetBlobKeysAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();

        // Holder records are stored by full path, so the keys are the distinct first segments below the blobstore.
        var prefix = _paths.Blobstore + "/";
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var key in _store.Descendants(prefix))
        {
            keys.Add(key[prefix.Length..].Split('/')[0]);
        }

        return Task.FromResult<IReadOnlyList<string>>([.. keys]);
    }

    public Task RemoveBlobAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = _paths.Blob(key);
        ThrowIfDisposed();
        _store.DeleteTrees(path);
        return Task.CompletedTask;
    }

    public Task<IAsyncDisposable> WatchSupervisorsAsync(Action<MembershipChange> handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return StartFeedAsync(_paths.Supervisors, d => handler(new MembershipChange(d.Added, d.Removed)), withVersions: false);
    }

    public Task<IAsyncDisposable> WatchAssignmentsAsync(Action<AssignmentsChange> handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return StartFeedAsync(_paths.Assignments, d => handler(new AssignmentsChange(d.Added, d.Changed, d.Removed)), withVersions: true);
    }

    public async ValueTask DisposeAsync()
    {
        List<ChangeFeed> feeds;
        long session;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            feeds = [.. _feeds];
            _candidateId = null;
            session = _session;
        }

        foreach (var feed in feeds)
        {
            await feed.DisposeAsync().ConfigureAwait(false);
        }

        _store.EndSession(session);
        ReconcileLeadership();
    }

    /// <summary>Brings <see cref="IsLeader"/> in line with the store's queue and announces a change.</summary>
    internal void ReconcileLeadership()
    {
        lock (_lock)
        {
            var leads = !_disposed && _candidateId is not null && _store.Leads(_session);
            if (leads == _isLeader)
            {
                return;
            }

            _isLeader = leads;
            if (leads)
            {
                _leadership.TrySetResult();
            }
            else if (_leadership.Task.IsCompleted)
            {
                _leadership = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            // Announced under the lock, as LeaderElection does, so that a gain and a loss cannot
            // be announced out of order.
            try
            {
                LeadershipChanged?.Invoke(leads);
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "A LeadershipChanged handler threw");
            }
        }
    }

    private static InMemoryStore CreateStore(ClusterStateOptions? options)
    {
        options ??= new ClusterStateOptions();
        options.Validate();
        return new InMemoryStore(options);
    }

    private int SetRecord<T>(string path, T value, int expectedVersion, string what)
        where T : IMessage<T>
    {
        Records.CheckExpectedVersion(expectedVersion);
        ThrowIfDisposed();
        return _store.Set(path, value.ToByteArray(), expectedVersion) ?? throw new ClusterStateConflictException(what, expectedVersion);
    }

    private Versioned<T>? GetRecord<T>(string path, MessageParser<T> parser)
        where T : IMessage<T>
    {
        ThrowIfDisposed();
        return _store.Get(path) is { } node ? new Versioned<T>(Records.Decode(parser, node.Data, path), node.Version) : null;
    }

    private Dictionary<string, Versioned<T>> ReadChildren<T>(string parent, MessageParser<T> parser)
        where T : IMessage<T>
    {
        var result = new Dictionary<string, Versioned<T>>(StringComparer.Ordinal);
        foreach (var (name, data, version) in _store.Children(parent))
        {
            try
            {
                result[name] = new Versioned<T>(Records.Decode(parser, data, parent + "/" + name), version);
            }
            catch (InvalidDataException ex)
            {
                _logger.LogWarning(ex, "Skipping {Path}", parent + "/" + name);
            }
        }

        return result;
    }

    private void RegisterEphemeral(string path, byte[] data)
    {
        long session;
        lock (_lock)
        {
            ThrowIfDisposed();
            _ephemerals[path] = data;
            session = _session;
        }

        _store.PutEphemeral(path, data, session);
    }

    private void RemoveEphemeral(string path)
    {
        long session;
        lock (_lock)
        {
            ThrowIfDisposed();
            _ephemerals.Remove(path);
            session = _session;
        }

        _store.DeleteEphemeral(path, session);
    }

    private async Task<IAsyncDisposable> StartFeedAsync(string parent, Action<ChangeFeed.Difference> deliver, bool withVersions)
    {
        ThrowIfDisposed();
        var feed = new ChangeFeed(
            parent,
            _ => Task.FromResult<IReadOnlyDictionary<string, int>>(_store.Children(parent).ToDictionary(c => c.Name, c => withVersions ? c.Version : 0, StringComparer.Ordinal)),
            deliver,
            _logger,
            f =>
            {
                _store.RemoveFeed(f);
                lock (_lock)
                {
                    _feeds.Remove(f);
                }
            });

        // Subscribed before the first read, so nothing written in between is missed.
        _store.AddFeed(parent, feed);
        lock (_lock)
        {
            _feeds.Add(feed);
        }

        await feed.StartAsync(CancellationToken.None).ConfigureAwait(false);
        return feed;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
