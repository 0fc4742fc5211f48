using System.Diagnostics;
using Grpc.Core;
using StormSharp.Cluster.Rpc;
using StormSharp.Cluster.Security;
using StormSharp.Runtime.Configuration;
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

    public NimbusClient(IReadOnlyList<string> seedHosts, int port, ClientSecurity? security = null, string credentials = "no credentials")
    {
        _leader = new NimbusLeaderClient(NimbusLeaderClient.Addresses(seedHosts, port), AskTimeout, security);
        Credentials = credentials;
    }

    /// <summary>What this client shows Nimbus, for errors: e.g. "the token from STORM_AUTH_TOKEN".</summary>
    public string Credentials { get; }

    /// <summary>
    /// A client with the user's credentials from the config: the client certificate of <c>storm.tls.client.*</c>,
    /// and the token of <c>STORM_AUTH_TOKEN</c> or <c>storm.auth.token</c>. A certificate that does not load is a
    /// <see cref="CliException"/> naming the files.
    /// </summary>
    public static NimbusClient Create(NimbusOptions nimbus, SecurityOptions security, string verb)
    {
        ClientSecurity credentials;
        try
        {
            credentials = ClusterCredentials.ForUser(security);
        }
        catch (InvalidOperationException e)
        {
            throw CliException.BadInput($"{verb}: {e.Message}");
        }

        var shown = new List<string>();
        if (security.ClientToken is not null)
        {
            shown.Add("the token from " + security.ClientTokenSource);
        }

        if (credentials.ClientCertificate is not null)
        {
            shown.Add($"the client certificate {security.ClientCertificatePath} (storm.tls.client.certificate.path)");
        }

        var description = shown.Count > 0
            ? string.Join(" and ", shown)
            : "no credentials (set STORM_AUTH_TOKEN or storm.auth.token to a token from 'storm auth-token', or storm.tls.client.certificate.path and storm.tls.client.key.path)";
        return new NimbusClient(nimbus.Seeds, nimbus.ApiPort, credentials, description);
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
