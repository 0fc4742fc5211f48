namespace StormSharp.Cluster;

/// <summary>
/// The state Nimbus, Supervisors, workers and the UI share: who is in the cluster, which
/// topologies run, where their executors are placed, their recent errors, and which Nimbus leads.
/// One instance is one session: ephemeral registrations (supervisors, Nimbus, the leader
/// candidacy) belong to it and vanish when it ends.
/// </summary>
/// <remarks>
/// <para>The layout under the root (<c>storm.zookeeper.root</c>, default <c>/storm</c>); every value is a protobuf record:</para>
/// <list type="table">
/// <item><term><c>/supervisors/&lt;supervisor-id&gt;</c></term><description>ephemeral, <see cref="SupervisorInfo"/></description></item>
/// <item><term><c>/storms/&lt;topology-id&gt;</c></term><description><see cref="StormBase"/>; its children are the active storms</description></item>
/// <item><term><c>/assignments/&lt;topology-id&gt;</c></term><description><see cref="Assignment"/></description></item>
/// <item><term><c>/errors/&lt;topology-id&gt;/&lt;component&gt;/e-&lt;seq&gt;</c></term><description>persistent-sequential <see cref="ErrorInfo"/>, the newest
/// <see cref="ClusterStateOptions.MaxErrorsPerComponent"/> kept; the component id is URL-encoded</description></item>
/// <item><term><c>/nimbuses/&lt;host:port&gt;</c></term><description>ephemeral, <see cref="NimbusSummary"/></description></item>
/// <item><term><c>/leader-lock/…</c></term><description>the election queue of Nimbus candidates (ephemeral-sequential, data = host:port)</description></item>
/// <item><term><c>/blobstore/&lt;key&gt;/&lt;host:port&gt;</c></term><description>empty; which Nimbus holds a copy of the blob</description></item>
/// </list>
/// <para>Heartbeats are not here: workers report to their supervisor and Nimbus over RPC.</para>
/// <para>
/// Ids (topology, supervisor, Nimbus <c>host:port</c>, blob key) must be non-empty, contain no
/// <c>/</c> or control characters and not be <c>.</c> or <c>..</c>; otherwise an
/// <see cref="ArgumentException"/> names the problem. Conditional writes take a version from an
/// earlier read (<see cref="Versioned{T}.Version"/>) as an ETag, or <see cref="StateVersion.Any"/>
/// / <see cref="StateVersion.Absent"/>, and throw <see cref="ClusterStateConflictException"/> on a
/// mismatch. When the store cannot be reached an operation throws
/// <see cref="ClusterStateUnavailableException"/>.
/// </para>
/// <para>
/// Watches deliver differences, not events: a handler learns what changed between the state it
/// last saw and the current one, so changes made while disconnected (or while the handler ran)
/// are folded into the next notification rather than lost. Each subscription's handler runs on a
/// thread of its own, one notification at a time and in order (two subscriptions may run at the
/// same time); an exception from a handler is logged and does not stop later notifications.
/// </para>
/// </remarks>
public interface IClusterState : IAsyncDisposable
{
    /// <summary>
    /// Registers (or updates) this supervisor as an ephemeral node owned by this session, re-created
    /// if the session is replaced after expiry. A node of the same id left by an earlier process
    /// (a session not yet timed out) is replaced: the id is the supervisor's own.
    /// </summary>
    Task RegisterSupervisorAsync(string supervisorId, SupervisorInfo info, CancellationToken cancellationToken = default);

    /// <summary>Removes this session's registration of the supervisor; nothing happens if there is none.</summary>
    Task RemoveSupervisorAsync(string supervisorId, CancellationToken cancellationToken = default);

    /// <summary>The supervisor's info, or null when it is not registered.</summary>
    Task<SupervisorInfo?> GetSupervisorAsync(string supervisorId, CancellationToken cancellationToken = default);

    /// <summary>Every registered supervisor by id.</summary>
    Task<IReadOnlyDictionary<string, SupervisorInfo>> GetSupervisorsAsync(CancellationToken cancellationToken = default);

    /// <summary>Writes the topology's <see cref="StormBase"/> if it is at <paramref name="expectedVersion"/>; returns the new version.</summary>
    Task<int> SetStormBaseAsync(string topologyId, StormBase value, int expectedVersion = StateVersion.Any, CancellationToken cancellationToken = default);

    /// <summary>The topology's <see cref="StormBase"/> and its version, or null when there is none.</summary>
    Task<Versioned<StormBase>?> GetStormBaseAsync(string topologyId, CancellationToken cancellationToken = default);

    /// <summary>Ids of the topologies that have a <see cref="StormBase"/> (Storm's active storms), sorted.</summary>
    Task<IReadOnlyList<string>> GetActiveStormsAsync(CancellationToken cancellationToken = default);

    /// <summary>Writes the topology's assignment if it is at <paramref name="expectedVersion"/>; returns the new version.</summary>
    Task<int> SetAssignmentAsync(string topologyId, Assignment value, int expectedVersion = StateVersion.Any, CancellationToken cancellationToken = default);

    /// <summary>The topology's assignment and its version, or null when there is none.</summary>
    Task<Versioned<Assignment>?> GetAssignmentAsync(string topologyId, CancellationToken cancellationToken = default);

    /// <summary>Every assignment by topology id: what a supervisor reads to decide which workers to run.</summary>
    Task<IReadOnlyDictionary<string, Versioned<Assignment>>> GetAssignmentsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes the assignment if it is at <paramref name="expectedVersion"/> (with
    /// <see cref="StateVersion.Any"/>, a missing one is fine).
    /// </summary>
    Task RemoveAssignmentAsync(string topologyId, int expectedVersion = StateVersion.Any, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes everything of a topology (storm base, assignment, errors) in one atomic step;
    /// missing parts are fine. Blobs are left to <see cref="RemoveBlobAsync"/>.
    /// </summary>
    Task RemoveTopologyAsync(string topologyId, CancellationToken cancellationToken = default);

    /// <summary>Records an error of <see cref="ErrorInfo.Component"/>, dropping the oldest beyond the cap.</summary>
    Task ReportErrorAsync(string topologyId, ErrorInfo error, CancellationToken cancellationToken = default);

    /// <summary>The component's kept errors, newest first.</summary>
    Task<IReadOnlyList<ErrorInfo>> GetErrorsAsync(string topologyId, string component, CancellationToken cancellationToken = default);

    /// <summary>Removes every error of the topology.</summary>
    Task RemoveErrorsAsync(string topologyId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Registers (or updates) this Nimbus as an ephemeral node <c>host:port</c> owned by this
    /// session, re-created after expiry like a supervisor's.
    /// </summary>
    Task RegisterNimbusAsync(NimbusSummary summary, CancellationToken cancellationToken = default);

    /// <summary>Every registered Nimbus, sorted by <c>host:port</c>.</summary>
    Task<IReadOnlyList<NimbusSummary>> GetNimbusesAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Enters the leader election as <paramref name="nimbusId"/> (<c>host:port</c>) and returns at
    /// once; leadership may come at any time after (see <see cref="WaitForLeadershipAsync"/>,
    /// <see cref="LeadershipChanged"/>). Once per instance.
    /// </summary>
    Task JoinLeaderElectionAsync(string nimbusId, CancellationToken cancellationToken = default);

    /// <summary>Leaves the election, giving up leadership if held. Nothing happens if not joined.</summary>
    Task LeaveLeaderElectionAsync();

    /// <summary>
    /// Whether this instance leads now. It turns false as soon as the session becomes uncertain
    /// (disconnected), before another candidate could take over.
    /// </summary>
    bool IsLeader { get; }

    /// <summary>
    /// Raised with true on gaining and false on losing leadership, never twice with the same value.
    /// Keep handlers short and do not call back into the election from them.
    /// </summary>
    event Action<bool>? LeadershipChanged;

    /// <summary>Completes when this instance leads; requires <see cref="JoinLeaderElectionAsync"/>.</summary>
    Task WaitForLeadershipAsync(CancellationToken cancellationToken = default);

    /// <summary>The id of the leading Nimbus, or null when no one leads.</summary>
    Task<string?> GetLeaderAsync(CancellationToken cancellationToken = default);

    /// <summary>Records that the Nimbus <paramref name="nimbusId"/> holds a copy of the blob <paramref name="key"/>.</summary>
    Task AddBlobHolderAsync(string key, string nimbusId, CancellationToken cancellationToken = default);

    /// <summary>The Nimbus ids holding the blob, sorted; empty when none is known.</summary>
    Task<IReadOnlyList<string>> GetBlobHoldersAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Every blob key recorded by <see cref="AddBlobHolderAsync"/> and not yet removed, sorted.</summary>
    Task<IReadOnlyList<string>> GetBlobKeysAsync(CancellationToken cancellationToken = default);

    /// <summary>Forgets the blob and all its holders.</summary>
    Task RemoveBlobAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Calls <paramref name="handler"/> whenever supervisors join or leave. Returns once the watch
    /// is in place, so a <see cref="GetSupervisorsAsync"/> after it misses nothing; dispose the
    /// result to stop.
    /// </summary>
    Task<IAsyncDisposable> WatchSupervisorsAsync(Action<MembershipChange> handler, CancellationToken cancellationToken = default);

    /// <summary>
    /// Calls <paramref name="handler"/> whenever an assignment appears, is rewritten or is removed.
    /// Returns once the watch is in place; dispose the result to stop.
    /// </summary>
    Task<IAsyncDisposable> WatchAssignmentsAsync(Action<AssignmentsChange> handler, CancellationToken cancellationToken = default);
}
