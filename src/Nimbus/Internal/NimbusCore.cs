using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using StormSharp.Cluster;
using StormSharp.Cluster.Rpc;
using StormSharp.Packaging;
using StormSharp.Runtime.Configuration;
using StormSharp.Runtime.Execution;
using StormSharp.Runtime.Serialization;
using StormSharp.Topology;

namespace StormSharp.Nimbus.Internal;

/// <summary>
/// What Nimbus decides and remembers, behind the gRPC service: submissions, status changes, scheduling and
/// monitoring. Everything durable is in the cluster state and the blob store; what is in memory (heartbeats, kill
/// and rebalance deadlines, scheduler messages) is rebuilt or restarted safely after a restart.
/// </summary>
/// <remarks>
/// One gate serializes every change of topologies (the commit of a submit, kill, activate, deactivate, rebalance,
/// a monitoring round), so a name is checked and taken atomically and the scheduler never sees half a change.
/// Validation of a submit runs outside it.
/// </remarks>
internal sealed partial class NimbusCore
{
    /// <summary>How long a call waits for an election in progress before answering UNAVAILABLE.</summary>
    private static readonly TimeSpan LeadershipWait = TimeSpan.FromSeconds(3);

    private readonly IClusterState _state;
    private readonly NimbusOptions _options;
    private readonly IReadOnlyDictionary<string, object?> _conf;
    private readonly LocalBlobStore _blobs;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly HeartbeatCache _heartbeats = new();
    private readonly ConcurrentDictionary<string, string> _schedulerMessages = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Key, TopologyDefinition Definition)> _definitions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _killDue = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _rebalanceDue = new(StringComparer.Ordinal);
    private long _leaderSinceMs;
    private int _submitted;

    public NimbusCore(IClusterState state, NimbusOptions options, IReadOnlyDictionary<string, object?> conf, LocalBlobStore blobs, ILoggerFactory loggers, TimeProvider? time = null)
    {
        _state = state;
        _options = options;
        _conf = conf;
        _blobs = blobs;
        _logger = loggers.CreateLogger("StormSharp.Nimbus");
        _time = time ?? TimeProvider.System;
        _leaderSinceMs = NowMs;
    }

    /// <summary>This Nimbus's id in the cluster, <c>host:port</c>; set once the API is bound.</summary>
    public string NimbusId { get; set; } = string.Empty;

    public string Host { get; set; } = string.Empty;

    public int Port { get; set; }

    public long StartTimeMs { get; } = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();

    public static string Version { get; } = typeof(NimbusCore).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private string ScratchDirectory => Path.Combine(_options.LocalDir, "nimbus", "scratch");

    /// <summary>Removes what a crash left in the inbox and scratch folders; call before serving.</summary>
    public void RemoveLeftovers()
    {
        PackageUpload.RemoveLeftovers(_options.InboxDirectory);
        if (Directory.Exists(ScratchDirectory))
        {
            Directory.Delete(ScratchDirectory, recursive: true);
        }
    }

    /// <summary>Asks the monitoring loop for a round now (supervisors changed, a deadline passed, leadership came).</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>
    /// On gaining leadership every worker counts as freshly launched (its heartbeats went to the previous leader), and
    /// this Nimbus leads only once it holds the blobs of every topology (see <see cref="BeginTakeOver"/>).
    /// </summary>
    public void OnLeadershipChanged(bool leading)
    {
        _leaderReady = false;
        if (leading)
        {
            Interlocked.Exchange(ref _leaderSinceMs, NowMs);
            _logger.LogInformation("Nimbus {Id} is first in the election; checking it holds every topology's blobs", NimbusId);
            BeginTakeOver();
        }
        else
        {
            _logger.LogWarning("Nimbus {Id} is no longer the leader", NimbusId);
        }
    }

    private async Task EnsureLeaderAsync(CancellationToken ct)
    {
        if (IsLeader)
        {
            return;
        }

        var leader = await _state.GetLeaderAsync(ct).ConfigureAwait(false);
        if (leader is null || leader == NimbusId)
        {
            // An election under way, or this Nimbus first in line and taking over: a short wait answers the call
            // instead of sending the client round the seeds.
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(LeadershipWait);
            try
            {
                await _state.WaitForLeadershipAsync(wait.Token).ConfigureAwait(false);
                while (!IsLeader)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(50), _time, wait.Token).ConfigureAwait(false);
                }

                return;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                leader = await _state.GetLeaderAsync(ct).ConfigureAwait(false);
            }
        }

        if (leader is null || leader == NimbusId)
        {
            throw RpcErrors.Unavailable("no Nimbus leads the cluster right now; try again shortly");
        }

        throw RpcErrors.NotLeader(NimbusId, leader);
    }

    /// <summary>The topology a request names (by id, else by name), with its storm base; NOT_FOUND otherwise.</summary>
    private async Task<(string Id, Versioned<StormBase> Base)> ResolveAsync(string name, string id, CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(id))
        {
            if (!IsValidId(id))
            {
                throw RpcErrors.InvalidArgument($"'{id}' is not a topology id");
            }

            var byId = await _state.GetStormBaseAsync(id, ct).ConfigureAwait(false);
            return byId is null ? throw RpcErrors.NotFound($"with id '{id}'") : (id, byId);
        }

        if (string.IsNullOrEmpty(name))
        {
            throw RpcErrors.InvalidArgument("the request names no topology: give its name or id");
        }

        var found = await FindByNameAsync(name, ct).ConfigureAwait(false);
        return found ?? throw RpcErrors.NotFound($"named '{name}'");
    }

    private async Task<(string Id, Versioned<StormBase> Base)?> FindByNameAsync(string name, CancellationToken ct)
    {
        foreach (var id in await _state.GetActiveStormsAsync(ct).ConfigureAwait(false))
        {
            var b = await _state.GetStormBaseAsync(id, ct).ConfigureAwait(false);
            if (b is not null && b.Value.Name == name)
            {
                return (id, b);
            }
        }

        return null;
    }

    private static bool IsValidId(string id) =>
        id.Length is > 0 and <= 150 && id is not "." and not ".." && !id.Contains('/', StringComparison.Ordinal) && !id.Any(char.IsControl);

    /// <summary>The stored document (graph and effective config) of the topology.</summary>
    private async Task<byte[]> ReadDocumentAsync(StormBase stormBase, CancellationToken ct)
    {
        if (_blobs.TryGetMetadata(stormBase.DocumentKey) is null)
        {
            throw RpcErrors.Unavailable($"this Nimbus holds no copy of blob '{stormBase.DocumentKey}'");
        }

        await using var s = _blobs.OpenRead(stormBase.DocumentKey);
        using var buffer = new MemoryStream();
        await s.CopyToAsync(buffer, ct).ConfigureAwait(false);
        return buffer.ToArray();
    }

    /// <summary>The topology numbered as the scheduler deals it (no user code runs), cached per document and executor counts.</summary>
    private async Task<TopologyDefinition> DefinitionAsync(string id, StormBase stormBase, CancellationToken ct)
    {
        var counts = ExecutorCounts(stormBase);
        var key = stormBase.DocumentKey + "|" + string.Join(',', counts.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + kv.Value));
        if (_definitions.TryGetValue(id, out var cached) && cached.Key == key)
        {
            return cached.Definition;
        }

        var (topology, conf) = TopologyDocument.Read(await ReadDocumentAsync(stormBase, ct).ConfigureAwait(false));
        var definition = new TopologyDefinition(id, stormBase.Name, topology, conf, _ => null, rebuildComponents: false, executorCounts: counts);
        _definitions[id] = (key, definition);
        return definition;
    }

    /// <summary>The executor counts a definition is built with: the storm base's, without the acker (its count is configuration).</summary>
    private static Dictionary<string, int> ExecutorCounts(StormBase stormBase) =>
        stormBase.ComponentExecutors.Where(kv => kv.Key != Utils.AckerComponentId).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    private static Dictionary<string, int> ExecutorCounts(TopologyDefinition definition) =>
        definition.Executors.GroupBy(e => e.ComponentId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    internal static string StatusName(TopologyStatus status) => status switch
    {
        TopologyStatus.Active => "ACTIVE",
        TopologyStatus.Inactive => "INACTIVE",
        TopologyStatus.Killed => "KILLED",
        TopologyStatus.Rebalancing => "REBALANCING",
        _ => "UNKNOWN",
    };

    private void WakeAfter(TimeSpan delay, CancellationToken ct)
    {
        if (delay <= TimeSpan.Zero)
        {
            Wake();
            return;
        }

        _ = Task.Delay(delay, _time, ct).ContinueWith(_ => Wake(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private static int MessageTimeoutSecs(IReadOnlyDictionary<string, object?> conf)
    {
        try
        {
            return ConfigValues.RequirePositive(conf, Config.TopologyMessageTimeoutSecs, 30);
        }
        catch (ArgumentException)
        {
            // Checked at submit; a document that somehow lacks it falls back to Storm's default.
            return 30;
        }
    }
}
