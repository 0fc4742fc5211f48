using System.Diagnostics;
using Grpc.Core;
using StormSharp.Cluster.Rpc;
using GrpcNimbus = StormSharp.Cluster.Rpc.Nimbus;

namespace StormSharp.Cli.Cluster;

/// <summary>
/// The verbs' way to the leading Nimbus: <see cref="NimbusLeaderClient"/> (seeds in turn, <c>storm-leader</c>
/// redirects followed), retried while no Nimbus answers for at most <see cref="FindBudget"/>, after which the verb
/// fails with an error naming every address tried.
/// </summary>
internal sealed class NimbusClient : IDisposable
{
    /// <summary>How long reaching a Nimbus may take in all: 10 s.</summary>
    internal static readonly TimeSpan FindBudget = TimeSpan.FromSeconds(10);

    /// <summary>How long one Nimbus gets to say who leads: 3 s.</summary>
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(250);

    private readonly NimbusLeaderClient _leader;

    public NimbusClient(IReadOnlyList<string> seedHosts, int port)
    {
        _leader = new NimbusLeaderClient(NimbusLeaderClient.Addresses(seedHosts, port), AskTimeout);
    }

    /// <summary>
    /// Runs <paramref name="call"/> against the leader with <paramref name="timeout"/> for the call itself. Nimbus's own
    /// refusals come back as <see cref="RpcException"/>; an unreachable cluster as a <see cref="CliException"/>.
    /// </summary>
    public async Task<T> CallAsync<T>(Func<GrpcNimbus.NimbusClient, DateTime, Task<T>> call, TimeSpan timeout, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await _leader.CallAsync((client, deadline, _) => call(client, deadline), timeout, ct).ConfigureAwait(false);
            }
            catch (RpcException e) when (IsUnreachable(e) && !ct.IsCancellationRequested)
            {
                if (sw.Elapsed + RetryDelay >= FindBudget)
                {
                    throw CliException.Failed(
                        $"no Nimbus answered within {FindBudget.TotalSeconds:0} s; tried {string.Join(", ", _leader.Seeds)} " +
                        $"(nimbus.seeds, nimbus.thrift.port); last error: {e.Status.Detail}");
                }

                await Task.Delay(RetryDelay, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The leader's <c>host:port</c>, or a <see cref="CliException"/> naming every address once the budget is spent.</summary>
    public Task<string> FindLeaderAsync(CancellationToken ct) =>
        CallAsync(
            async (client, deadline) =>
            {
                var leader = await client.GetLeaderAsync(new Empty(), deadline: deadline, cancellationToken: ct).ConfigureAwait(false);
                return NimbusLeaderClient.Addresses([leader.Host], leader.Port)[0];
            },
            AskTimeout,
            ct);

    public void Dispose() => _leader.Dispose();

    private static bool IsUnreachable(RpcException e) =>
        e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded
        || (e.StatusCode == StatusCode.FailedPrecondition && e.Trailers.GetValue(NimbusLeaderClient.LeaderTrailer) is { Length: > 0 });
}
