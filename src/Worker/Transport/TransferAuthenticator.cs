using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace StormSharp.Worker.Transport;

/// <summary>
/// The check every transfer call passes before its first frame is read: with a worker token configured, the call must
/// carry exactly this topology's token (compared in constant time) and name this topology; anything else is refused
/// with <see cref="StatusCode.Unauthenticated"/>. Without a token every call is let through (an open cluster).
/// </summary>
/// <remarks>
/// A refusal is logged with the caller's address the first time that address is refused, then at most once per
/// <see cref="LogInterval"/> per address with the number refused meanwhile; past <see cref="MaxTrackedPeers"/>
/// addresses the rest share one entry. So a flood of strangers writes a bounded number of lines, whatever its rate.
/// </remarks>
internal sealed class TransferAuthenticator
{
    /// <summary>How often refusals from one address are logged again.</summary>
    public static readonly TimeSpan LogInterval = TimeSpan.FromMinutes(1);

    /// <summary>How many addresses are tracked one by one.</summary>
    public const int MaxTrackedPeers = 256;

    private const string OtherPeers = "other addresses";

    private readonly byte[]? _token;
    private readonly string _topologyId;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, PeerRefusals> _refusals = new(StringComparer.Ordinal);
    private long _refused;

    public TransferAuthenticator(string topologyId, string? token, ILogger logger)
    {
        _topologyId = topologyId;
        _token = token is null ? null : Encoding.UTF8.GetBytes(token);
        _logger = logger;
    }

    /// <summary>Whether calls must carry the token.</summary>
    public bool Enabled => _token is not null;

    /// <summary>How many calls were refused since start.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Throws <see cref="RpcException"/> (Unauthenticated) unless the call carries this topology's token.</summary>
    /// <param name="headers">The call's request headers.</param>
    /// <param name="peer">The caller's address, for the log.</param>
    public void Check(Metadata headers, IPAddress? peer)
    {
        if (_token is null)
        {
            return;
        }

        var presented = headers.GetValue(TransferMethods.TokenHeader);
        var topology = headers.GetValue(TransferMethods.TopologyHeader);
        string? problem = null;
        if (presented is null)
        {
            problem = "no worker token";
        }
        else if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _token))
        {
            problem = "a wrong worker token";
        }
        else if (!string.Equals(topology, _topologyId, StringComparison.Ordinal))
        {
            // The token is this topology's, and speaks for it alone.
            problem = "a token that is not the named topology's";
        }

        if (problem is null)
        {
            return;
        }

        Interlocked.Increment(ref _refused);
        LogRefusal(peer, problem);

        // Says as little as possible to a stranger: not which part was wrong, nor which topology runs here.
        throw new RpcException(new Status(StatusCode.Unauthenticated, "this transfer port takes calls from the workers of its topology only"));
    }

    private void LogRefusal(IPAddress? peer, string problem)
    {
        var address = peer?.ToString() ?? "an unknown address";
        var key = _refusals.Count < MaxTrackedPeers || _refusals.ContainsKey(address) ? address : OtherPeers;
        var entry = _refusals.GetOrAdd(key, _ => new PeerRefusals());
        var now = Stopwatch.GetTimestamp();
        long suppressed;
        lock (entry)
        {
            if (entry.LastLog != 0 && now - entry.LastLog < (long)(LogInterval.TotalSeconds * Stopwatch.Frequency))
            {
                entry.Suppressed++;
                return;
            }

            suppressed = entry.Suppressed;
            entry.Suppressed = 0;
            entry.LastLog = now;
        }

        if (suppressed == 0)
        {
            _logger.LogWarning("Refused a transfer call from {Peer}: {Problem}; further refusals from there are logged at most once a minute", key, problem);
        }
        else
        {
            _logger.LogWarning("Refused a transfer call from {Peer}: {Problem} ({Suppressed} more refused since the last line)", key, problem, suppressed);
        }
    }

    private sealed class PeerRefusals
    {
        public long LastLog;
        public long Suppressed;
    }
}
