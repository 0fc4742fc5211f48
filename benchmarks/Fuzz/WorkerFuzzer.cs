using Grpc.Core;
using Grpc.Net.Client;

namespace StormSharp.Benchmarks.Fuzz;

/// <summary>
/// A worker's transfer port (<c>/stormsharp.worker.Transfer/Transfer</c>, client streaming, raw bytes): calls with
/// no worker token, a bad one (<see cref="FuzzCredentials.Bad"/>), the worker token of another topology, a user's
/// token in its place, or this topology's token naming another topology, each with hostile headers and up to a few
/// frames of random bytes (now and then one of 8 MiB). Any of those ending OK counts as accepted
/// without credentials. A tenth of the calls carry the topology's own token with garbage frames: credentials a
/// peer worker has, so not counted as acceptance, but the worker must survive them. A quarter of the inputs are raw TCP.
/// With <paramref name="tls"/> false the port is a cluster's without TLS: plain HTTP/2 and the token check alone.
/// </summary>
internal sealed class WorkerFuzzer(int port, FuzzCredentials credentials, bool tls = true) : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(3);

    private static readonly Method<byte[], byte[]> Transfer = new(
        MethodType.ClientStreaming,
        "stormsharp.worker.Transfer",
        "Transfer",
        Marshallers.Create(b => b, b => b),
        Marshallers.Create(b => b, b => b));

    private static readonly string[] Lanes = ["Data", "Control", "Ack", string.Empty, "data", "../x"];

    private readonly GrpcChannel _channel = Stranger.Channel(port, tls);
    private readonly RawTcpFuzzer _raw = new(port, tls);

    public async Task<Verdict> OneAsync(Random r, CancellationToken stop)
    {
        if (r.Next(4) == 0)
        {
            return await _raw.OneAsync(r, stop).ConfigureAwait(false);
        }

        var topology = credentials.TopologyId;
        string label;
        string? token;
        var peer = false;
        switch (r.Next(10))
        {
            case 0:
                (label, token) = ("worker-of-another-topology", credentials.OtherWorker);
                topology = r.Next(2) == 0 ? credentials.OtherTopologyId : topology;
                break;
            case 1:
                (label, token) = ("this-token-naming-another-topology", credentials.ThisWorker);
                topology = r.Next(2) == 0 ? credentials.OtherTopologyId : Hostile.HeaderSafe(r);
                break;
            case 2:
                (label, token) = ("a-user-token", credentials.Valid);
                break;
            case 3:
                (label, token, peer) = ("this-topology's-own (peer, garbage frames)", credentials.ThisWorker, true);
                break;
            default:
                (label, token) = credentials.AnyBad(r);
                break;
        }

        var headers = new Metadata();
        if (r.Next(8) != 0)
        {
            headers.Add("storm-topology-id", topology);
        }

        headers.Add("storm-from-worker", r.Next(3) == 0 ? Hostile.HeaderSafe(r) : "127.0.0.1:1");
        headers.Add("storm-lane", r.Next(3) == 0 ? Hostile.HeaderSafe(r) : Hostile.Pick(r, Lanes));
        if (token is not null)
        {
            headers.Add("storm-worker-token", token);
        }

        if (r.Next(4) == 0)
        {
            // A user's bearer token where a worker token is expected.
            headers.Add("authorization", "Bearer " + credentials.Valid);
        }

        var frames = r.Next(4);
        var outcome = await CallAsync(headers, r, frames, stop).ConfigureAwait(false);
        return new Verdict(outcome, outcome == "OK" && !peer, $"Transfer with {label} token, {frames} frame(s)");
    }

    /// <summary>The same call path with the topology's own token and no frames: it must end OK.</summary>
    public async Task<bool> ControlAsync(CancellationToken stop)
    {
        LastDetail = null;
        var headers = new Metadata
        {
            { "storm-topology-id", credentials.TopologyId },
            { "storm-from-worker", "127.0.0.1:1" },
            { "storm-lane", "Data" },
            { "storm-worker-token", credentials.ThisWorker },
        };
        return await CallAsync(headers, new Random(1), 0, stop).ConfigureAwait(false) == "OK";
    }

    private Task<string> CallAsync(Metadata headers, Random r, int frames, CancellationToken stop) =>
        GrpcCalls.OutcomeAsync(
            async () =>
            {
                using var call = _channel.CreateCallInvoker().AsyncClientStreamingCall(Transfer, null, new CallOptions(headers, DateTime.UtcNow + Deadline, stop));
                await GrpcCalls.WriteThenAwaitResponseAsync(call, async requests =>
                {
                    for (var i = 0; i < frames; i++)
                    {
                        var frame = r.Next(30) == 0 ? new byte[(8 * 1024 * 1024) + r.Next(1024)] : Hostile.Bytes(r, r.Next(2) == 0 ? 64 : 65_536);
                        await requests.WriteAsync(frame, stop).ConfigureAwait(false);
                    }
                }).ConfigureAwait(false);
            },
            d => LastDetail = d);

    /// <summary>The detail of the last refusal, for the log when a control is not accepted.</summary>
    public string? LastDetail { get; private set; }

    public void Dispose() => _channel.Dispose();
}
