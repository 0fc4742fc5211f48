using Grpc.Core;
using StormSharp.Cluster.Rpc;

namespace StormSharp.Ui.Internal;

/// <summary>
/// The UI's calls to the leading Nimbus. A gRPC status becomes an <see cref="ApiException"/> with the HTTP status a
/// REST client expects (NOT_FOUND 404, INVALID_ARGUMENT 400, FAILED_PRECONDITION 409, no Nimbus 503), Nimbus's
/// message kept.
/// </summary>
internal sealed class NimbusReader(NimbusLeaderClient client)
{
    private static readonly Empty None = new();

    public Task<ClusterSummary> ClusterAsync(CancellationToken ct) =>
        Call((c, d, t) => c.GetClusterInfoAsync(None, deadline: d, cancellationToken: t).ResponseAsync, ct);

    public Task<TopologyInfo> TopologyAsync(string id, CancellationToken ct) =>
        Call((c, d, t) => c.GetTopologyInfoAsync(ById(id), deadline: d, cancellationToken: t).ResponseAsync, ct);

    public Task<TopologyConf> ConfAsync(string id, CancellationToken ct) =>
        Call((c, d, t) => c.GetTopologyConfAsync(ById(id), deadline: d, cancellationToken: t).ResponseAsync, ct);

    public Task<TopologyErrors> ErrorsAsync(string id, CancellationToken ct) =>
        Call((c, d, t) => c.GetTopologyErrorsAsync(ById(id), deadline: d, cancellationToken: t).ResponseAsync, ct);

    public Task<TopologyHeartbeats> HeartbeatsAsync(string id, CancellationToken ct) =>
        Call((c, d, t) => c.GetTopologyHeartbeatsAsync(ById(id), deadline: d, cancellationToken: t).ResponseAsync, ct);

    public Task<TopologySeries> SeriesAsync(string id, long sinceMs, CancellationToken ct) =>
        Call((c, d, t) => c.GetTopologySeriesAsync(new SeriesRequest { TopologyId = id, SinceMs = sinceMs }, deadline: d, cancellationToken: t).ResponseAsync, ct);

    public Task<TopologyDocumentReply> DocumentAsync(string id, CancellationToken ct) =>
        Call((c, d, t) => c.GetTopologyDocumentAsync(ById(id), deadline: d, cancellationToken: t).ResponseAsync, ct);

    public Task ActivateAsync(string id, CancellationToken ct) =>
        Call((c, d, t) => c.ActivateAsync(ById(id), deadline: d, cancellationToken: t).ResponseAsync, ct);

    public Task DeactivateAsync(string id, CancellationToken ct) =>
        Call((c, d, t) => c.DeactivateAsync(ById(id), deadline: d, cancellationToken: t).ResponseAsync, ct);

    public Task KillAsync(string name, int waitSecs, CancellationToken ct) =>
        Call((c, d, t) => c.KillTopologyAsync(new KillRequest { Name = name, WaitSecs = waitSecs }, deadline: d, cancellationToken: t).ResponseAsync, ct);

    public Task RebalanceAsync(RebalanceRequest request, CancellationToken ct) =>
        Call((c, d, t) => c.RebalanceAsync(request, deadline: d, cancellationToken: t).ResponseAsync, ct);

    private static TopologyRequest ById(string id) => new() { Id = id };

    private async Task<T> Call<T>(Func<Cluster.Rpc.Nimbus.NimbusClient, DateTime, CancellationToken, Task<T>> call, CancellationToken ct)
    {
        try
        {
            return await client.CallAsync(call, ct).ConfigureAwait(false);
        }
        catch (RpcException e) when (!ct.IsCancellationRequested)
        {
            throw e.StatusCode switch
            {
                StatusCode.NotFound => new ApiException(404, e.Status.Detail),
                StatusCode.PermissionDenied => new ApiException(403, e.Status.Detail),
                StatusCode.Unauthenticated => new ApiException(401, "Nimbus did not accept the credentials: " + e.Status.Detail),
                StatusCode.InvalidArgument => new ApiException(400, e.Status.Detail),
                StatusCode.FailedPrecondition or StatusCode.AlreadyExists or StatusCode.Aborted => new ApiException(409, e.Status.Detail),
                StatusCode.Unavailable or StatusCode.DeadlineExceeded => new ApiException(503, "Nimbus is not reachable: " + e.Status.Detail),
                _ => new ApiException(502, $"Nimbus answered {e.StatusCode}: {e.Status.Detail}"),
            };
        }
    }
}
