using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace StormSharp.ZooKeeper;

/// <summary>How a <see cref="ZooKeeperClient"/> connects.</summary>
public sealed class ZooKeeperClientOptions
{
    /// <summary>
    /// Comma-separated <c>host:port</c> servers of one ensemble (port defaults to 2181), optionally
    /// followed by a chroot, e.g. <c>10.0.0.1:2181,10.0.0.2:2181/storm</c>. Every path the client
    /// sends is then relative to the chroot.
    /// </summary>
    public required string ConnectionString { get; init; }

    /// <summary>
    /// The session timeout to ask for; the server clamps it to its [2, 20] x tickTime range and
    /// <see cref="ZooKeeperClient.SessionTimeout"/> reports what was negotiated. Default 30 s.
    /// </summary>
    public TimeSpan SessionTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long <see cref="ZooKeeperClient.ConnectAsync"/> waits for the first session before it
    /// throws <see cref="ConnectionLossException"/>. Default: the session timeout.
    /// </summary>
    public TimeSpan? ConnectTimeout { get; init; }

    /// <summary>Largest frame accepted from a server (jute.maxbuffer on the server is 1 MiB by default). Default 16 MiB.</summary>
    public int MaxFrameBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>
    /// Resume this existing session (with <see cref="SessionPassword"/>) instead of starting a new
    /// one, e.g. after a process handed its session to another. 0 (default): a new session.
    /// </summary>
    public long SessionId { get; init; }

    public byte[]? SessionPassword { get; init; }

    /// <summary>
    /// A connection-state listener attached before the first connection, so that it sees
    /// <see cref="ConnectionState.Connected"/> too; same contract as <see cref="ZooKeeperClient.ConnectionStateChanged"/>.
    /// </summary>
    public Action<ConnectionState>? OnConnectionStateChanged { get; init; }

    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;
}
