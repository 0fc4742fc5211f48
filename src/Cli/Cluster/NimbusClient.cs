using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using StormSharp.Cluster.Rpc;
using GrpcNimbus = StormSharp.Cluster.Rpc.Nimbus;

namespace StormSharp.Cli.Cluster;

/// <summary>
/// Reaches the leading Nimbus: asks each of <c>nimbus.seeds</c> on <c>nimbus.thrift.port</c> who leads, then
/// calls the leader, following a <c>storm-leader</c> trailer if leadership moved meanwhile. Finding the leader is
/// bounded by <see cref="FindBudget"/>; when no Nimbus answers, the error names every address tried and why.
/// </summary>
internal sealed class NimbusClient : IDisposable
{
    /// <summary>How long finding the leader may take in all: 10 s.</summary>
    internal static readonly TimeSpan FindBudget = TimeSpan.FromSeconds(10);

    /// <summary>How long one seed gets to answer who leads: 3 s.</summary>
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(250);

    private readonly IReadOnlyList<string> _seeds;
    private readonly Dictionary<string, GrpcChannel> _channels = new(StringComparer.Ordinal);

    public NimbusClient(IReadOnlyList<string> seedHosts, int port)
    {
        _seeds = [.. seedHosts.Select(h => Address(h, port))];
    }

    /// <summary>
    /// Runs <paramref name="call"/> against the leader with <paramref name="timeout"/> for the call itself. Nimbus's own
    /// refusals come back as <see cref="RpcException"/>; an unreachable cluster as a <see cref="CliException"/>.
    /// </summary>
    public async Task<T> CallAsync<T>(Func<GrpcNimbus.NimbusClient, DateTime, Task<T>> call, TimeSpan timeout, CancellationToken ct)
    {
        var leader = await FindLeaderAsync(ct).ConfigureAwait(false);
        for (var hop = 0; ; hop++)
        {
            try
            {
                return await call(new GrpcNimbus.NimbusClient(Channel(leader)), DateTime.UtcNow + timeout).ConfigureAwait(false);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition && e.Trailers.GetValue("storm-leader") is { Length: > 0 } moved && hop < 3)
            {
                leader = moved;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && hop < 3)
            {
                await Task.Delay(RetryDelay, ct).ConfigureAwait(false);
                leader = await FindLeaderAsync(ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The leader's <c>host:port</c>, asking the seeds in turn until one knows or the budget is spent.</summary>
    public async Task<string> FindLeaderAsync(CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        var failures = new Dictionary<string, string>(StringComparer.Ordinal);
        while (true)
        {
            foreach (var seed in _seeds)
            {
                var left = FindBudget - sw.Elapsed;
                if (left <= TimeSpan.Zero)
                {
                    break;
                }

                try
                {
                    var client = new GrpcNimbus.NimbusClient(Channel(seed));
                    var leader = await client.GetLeaderAsync(new Empty(), deadline: DateTime.UtcNow + (left < AskTimeout ? left : AskTimeout), cancellationToken: ct).ConfigureAwait(false);
                    return Address(leader.Host, leader.Port);
                }
                catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown)
                {
                    failures[seed] = e.Status.Detail;
                }
            }

            if (sw.Elapsed + RetryDelay >= FindBudget)
            {
                throw CliException.Failed(
                    $"no Nimbus answered within {FindBudget.TotalSeconds:0} s; tried {string.Join(", ", _seeds.Select(s => failures.TryGetValue(s, out var why) ? $"{s} ({why})" : s))} " +
                    "(nimbus.seeds, nimbus.thrift.port)");
            }

            await Task.Delay(RetryDelay, ct).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        foreach (var c in _channels.Values)
        {
            c.Dispose();
        }
    }

    private static string Address(string host, int port) =>
        (host.Contains(':', StringComparison.Ordinal) ? "[" + host + "]" : host) + ":" + port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private GrpcChannel Channel(string address)
    {
        if (!_channels.TryGetValue(address, out var channel))
        {
            channel = GrpcChannel.ForAddress("http://" + address, new GrpcChannelOptions { MaxSendMessageSize = 8 * 1024 * 1024 });
            _channels[address] = channel;
        }

        return channel;
    }
}
