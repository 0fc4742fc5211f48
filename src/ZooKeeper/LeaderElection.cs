using System.Text;
using System.Threading.Channels;
using StormSharp.ZooKeeper.Internal;

namespace StormSharp.ZooKeeper;

/// <summary>
/// Leader election among every participant using the same <c>electionPath</c> (the ZooKeeper
/// election recipe, like Curator's LeaderLatch): each participant owns an ephemeral-sequential
/// node, the lowest is the leader, and each other participant watches only its predecessor.
/// </summary>
/// <remarks>
/// Leadership is given up as soon as the connection drops (<see cref="ConnectionState.Disconnected"/>),
/// before the session could expire and let another participant lead, so two participants never
/// both believe they lead. On reconnect within the session the participant keeps its place; after
/// expiry it re-enters at the back.
/// </remarks>
public sealed class LeaderElection : IAsyncDisposable
{
    private const string Prefix = "n-";
    private readonly ZooKeeperClient _client;
    private readonly string _electionPath;
    private readonly IReadOnlyList<Acl> _acl;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private TaskCompletionSource _leadership = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;
    private string? _ourPath;
    private string _protectedPrefix = string.Empty;
    private bool _isLeader;
    private volatile bool _connected;

    public LeaderElection(ZooKeeperClient client, string electionPath, string participantId, IReadOnlyList<Acl>? acl = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        PathUtil.Validate(electionPath, false);
        _client = client;
        _electionPath = electionPath;
        ParticipantId = participantId;
        _acl = acl ?? Acls.OpenUnsafe;
    }

    /// <summary>Stored as the node's data so others can see who leads.</summary>
    public string ParticipantId { get; }

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

    /// <summary>
    /// Raised with true on gaining and false on losing leadership, from the election's own loop
    /// (or the client's event thread for a connection drop); never twice in a row with the same value.
    /// Handlers run under the election's lock: keep them short and do not call back into the election.
    /// </summary>
    public event Action<bool>? LeadershipChanged;

    /// <summary>Enters the election; leadership may come at any time after.</summary>
    public Task StartAsync()
    {
        if (_loop is not null)
        {
            throw new InvalidOperationException("already started");
        }

        _connected = _client.State is ConnectionState.Connected or ConnectionState.Reconnected;
        _client.ConnectionStateChanged += OnConnectionState;
        _wake.Writer.TryWrite(true);
        _loop = Task.Run(RunAsync);
        return Task.CompletedTask;
    }

    /// <summary>Completes when this participant is the leader.</summary>
    public Task WaitForLeadershipAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return _leadership.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>The current leader's participant id, or null when there is none.</summary>
    public async Task<string?> GetLeaderIdAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var children = await _client.GetChildrenAsync(_electionPath, cancellationToken: cancellationToken).ConfigureAwait(false);
            foreach (var name in SequentialNodes.Sorted(children.Children, Prefix))
            {
                try
                {
                    var data = await _client.GetDataAsync($"{_electionPath}/{name}", cancellationToken: cancellationToken).ConfigureAwait(false);
                    return Encoding.UTF8.GetString(data.Data);
                }
                catch (NoNodeException)
                {
                    // It left between the listing and the read: the next one leads.
                }
            }
        }
        catch (NoNodeException)
        {
        }

        return null;
    }

    /// <summary>Leaves the election: gives up leadership and deletes this participant's node.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        _client.ConnectionStateChanged -= OnConnectionState;
        await _stop.CancelAsync().ConfigureAwait(false);
        _wake.Writer.TryComplete();
        if (_loop is not null)
        {
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        SetLeader(false);
        if (_ourPath is { } path)
        {
            try
            {
                await _client.DeleteAsync(path).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is KeeperException or ObjectDisposedException)
            {
                // Gone already, or the session is: either way the node does not outlive it.
            }
        }

        _stop.Dispose();
    }

    private void OnConnectionState(ConnectionState state)
    {
        switch (state)
        {
            case ConnectionState.Disconnected:
            case ConnectionState.Expired:
            case ConnectionState.Closed:
                lock (_lock)
                {
                    _connected = false;
                    if (state == ConnectionState.Expired)
                    {
                        _ourPath = null;
                    }
                }

                SetLeader(false);
                break;
            case ConnectionState.Connected:
            case ConnectionState.Reconnected:
                lock (_lock)
                {
                    _connected = true;
                }

                _wake.Writer.TryWrite(true);
                break;
            default:
                break;
        }
    }

    private async Task RunAsync()
    {
        var token = _stop.Token;
        var data = Encoding.UTF8.GetBytes(ParticipantId);
        while (await _wake.Reader.WaitToReadAsync(token).ConfigureAwait(false))
        {
            _wake.Reader.TryRead(out _);
            if (!_connected)
            {
                continue;
            }

            try
            {
                if (_ourPath is null)
                {
                    // A fresh marker per entry: after an expiry the old session's node may linger
                    // for a while and must not be mistaken for ours.
                    _protectedPrefix = SequentialNodes.NewProtectedPrefix(Prefix);
                }

                _ourPath ??= await SequentialNodes.CreateProtectedAsync(_client, _electionPath, _protectedPrefix, Prefix, data, _acl, token).ConfigureAwait(false);
                var children = await _client.GetChildrenAsync(_electionPath, cancellationToken: token).ConfigureAwait(false);
                var sorted = SequentialNodes.Sorted(children.Children, Prefix);
                var index = sorted.IndexOf(SequentialNodes.Name(_ourPath));
                if (index < 0)
                {
                    // Our node vanished (the session was replaced): enter again.
                    _ourPath = null;
                    SetLeader(false);
                    _wake.Writer.TryWrite(true);
                    continue;
                }

                if (index == 0)
                {
                    SetLeader(true);
                    continue;
                }

                SetLeader(false);
                var predecessor = $"{_electionPath}/{sorted[index - 1]}";
                if (await _client.ExistsAsync(predecessor, _ => _wake.Writer.TryWrite(true), token).ConfigureAwait(false) is null)
                {
                    _wake.Writer.TryWrite(true);
                }
            }
            catch (KeeperException)
            {
                // Connection loss or expiry: the state listener wakes us once connected again.
                SetLeader(false);
                if (_connected)
                {
                    await Task.Delay(100, token).ConfigureAwait(false);
                    _wake.Writer.TryWrite(true);
                }
            }
            catch (ObjectDisposedException)
            {
                SetLeader(false);
                return;
            }
        }
    }

    private void SetLeader(bool leader)
    {
        // Decided and announced under the lock so that a drop of the connection (event thread) and
        // a win (election loop) cannot be announced out of order, and no win is announced while
        // disconnected.
        lock (_lock)
        {
            if (leader && !_connected)
            {
                return;
            }

            if (_isLeader == leader)
            {
                return;
            }

            _isLeader = leader;
            if (leader)
            {
                _leadership.TrySetResult();
            }
            else if (_leadership.Task.IsCompleted)
            {
                _leadership = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            LeadershipChanged?.Invoke(leader);
        }
    }
}
