using System.Collections.Concurrent;
using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using StormSharp.Cluster.Security;

namespace StormSharp.Cluster.Rpc;

/// <summary>
/// Calls the leading Nimbus, wherever it is: first the one that answered last, then every <c>nimbus.seeds</c> host on
/// <c>nimbus.thrift.port</c> in turn. A Nimbus that is not the leader answers FAILED_PRECONDITION with the leader's
/// <c>host:port</c> in the <c>storm-leader</c> trailer; the call is repeated there. The CLI, supervisors and workers
/// share it; channels (one HTTP/2 connection per Nimbus) are kept for the client's life.
/// </summary>
public sealed class NimbusLeaderClient : IDisposable
{
    /// <summary>The trailer a follower Nimbus names the leader in (see <c>nimbus.proto</c>).</summary>
    public const string LeaderTrailer = "storm-leader";

    private readonly IReadOnlyList<string> _seeds;
    private readonly ConcurrentDictionary<string, GrpcChannel> _channels = new(StringComparer.Ordinal);
    private readonly TimeSpan _callTimeout;
    private readonly ClientSecurity _security;
    private volatile string? _leader;

    /// <param name="seeds">Nimbus addresses, <c>host:port</c>.</param>
    /// <param name="callTimeout">Deadline of each attempt.</param>
    /// <param name="security">TLS and credentials; null: plain HTTP/2 without credentials.</param>
    public NimbusLeaderClient(IReadOnlyList<string> seeds, TimeSpan callTimeout, ClientSecurity? security = null)
    {
        if (seeds.Count == 0)
        {
            throw new ArgumentException("no Nimbus address to call (nimbus.seeds is empty)", nameof(seeds));
        }

        _seeds = seeds;
        _callTimeout = callTimeout;
        _security = security ?? ClientSecurity.None;
    }

    /// <summary>The addresses tried, <c>host:port</c>, in order.</summary>
    public IReadOnlyList<string> Seeds => _seeds;

    /// <summary>The seeds of <c>nimbus.seeds</c> with <c>nimbus.thrift.port</c>, as <c>host:port</c>.</summary>
    public static IReadOnlyList<string> Addresses(IReadOnlyList<string> seeds, int port) =>
        [.. seeds.Select(s => (s.Contains(':', StringComparison.Ordinal) ? $"[{s}]" : s) + ":" + port.ToString(CultureInfo.InvariantCulture))];

    /// <summary>
    /// Runs <paramref name="call"/> against the leader. The deadline given to it bounds one attempt. Throws the last
    /// <see cref="RpcException"/> when no Nimbus took the call, and any status other than UNAVAILABLE,
    /// DEADLINE_EXCEEDED or a leader redirect as it came.
    /// </summary>
    public Task<T> CallAsync<T>(Func<Nimbus.NimbusClient, DateTime, CancellationToken, Task<T>> call, CancellationToken cancellationToken) =>
        CallAsync(call, _callTimeout, cancellationToken);

    /// <summary>As <see cref="CallAsync{T}(Func{Nimbus.NimbusClient, DateTime, CancellationToken, Task{T}}, CancellationToken)"/>, each attempt bounded by <paramref name="attemptTimeout"/>.</summary>
    public async Task<T> CallAsync<T>(Func<Nimbus.NimbusClient, DateTime, CancellationToken, Task<T>> call, TimeSpan attemptTimeout, CancellationToken cancellationToken)
    {
        var tried = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>();
        if (_leader is { } known)
        {
            queue.Enqueue(known);
        }

        foreach (var s in _seeds)
        {
            queue.Enqueue(s);
        }

        RpcException? last = null;
        var redirects = 0;
        while (queue.TryDequeue(out var address))
        {
            if (!tried.Add(address))
            {
                continue;
            }

            try
            {
                var result = await call(new Nimbus.NimbusClient(ChannelTo(address)), DateTime.UtcNow + attemptTimeout, cancellationToken).ConfigureAwait(false);
                _leader = address;
                return result;
            }
            // Followers with stale views could name each other during a leader change: follow a bounded number of redirects.
            catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition && e.Trailers.GetValue(LeaderTrailer) is { Length: > 0 } leader
                && ++redirects <= _seeds.Count + 1)
            {
                last = e;
                _leader = null;
                tried.Remove(leader);
                var rest = queue.ToArray();
                queue.Clear();
                queue.Enqueue(leader);
                foreach (var r in rest)
                {
                    queue.Enqueue(r);
                }
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.FailedPrecondition && !cancellationToken.IsCancellationRequested)
            {
                last = e;
                if (_leader == address)
                {
                    _leader = null;
                }
            }
        }

        throw last ?? new RpcException(new Status(StatusCode.Unavailable, "no Nimbus address to call"));
    }

    public void Dispose()
    {
        foreach (var c in _channels.Values)
        {
            c.Dispose();
        }

        _channels.Clear();
    }

    private GrpcChannel ChannelTo(string address) => _channels.GetOrAdd(address, a => _security.Channel(a, 16 * 1024 * 1024, TimeSpan.FromSeconds(2)));
}
