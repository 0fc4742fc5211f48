using StackExchange.Redis;

namespace StormSharp.Connectors.Redis;

/// <summary>
/// Where a Redis bolt connects: one server (storm-redis's JedisPoolConfig) or the nodes of a Redis Cluster
/// (JedisClusterConfig). It travels with the bolt; each task opens its own connection in Prepare.
/// </summary>
public sealed class RedisConnectionConfig
{
    private RedisConnectionConfig(string[] endpoints, bool cluster, string? password, int database, int timeoutMs)
    {
        Endpoints = endpoints;
        IsCluster = cluster;
        Password = password;
        Database = database;
        TimeoutMs = timeoutMs;
    }

    /// <summary>host:port of the server, or of the cluster nodes to start from.</summary>
    public IReadOnlyList<string> Endpoints { get; }

    /// <summary>Whether this is a Redis Cluster (keys spread over nodes by hash slot).</summary>
    public bool IsCluster { get; }

    /// <summary>The password, or null.</summary>
    public string? Password { get; }

    /// <summary>The database number (single server only). Default 0.</summary>
    public int Database { get; }

    /// <summary>How long a command or a batch may take before it counts as failed, in milliseconds. Default 2000, as in storm-redis.</summary>
    public int TimeoutMs { get; }

    /// <summary>One Redis server.</summary>
    public static RedisConnectionConfig Single(string host, int port = 6379, string? password = null, int database = 0, int timeoutMs = 2000)
    {
        if (string.IsNullOrWhiteSpace(host))
        {
            throw new ArgumentException("the Redis host must not be empty", nameof(host));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        ArgumentOutOfRangeException.ThrowIfNegative(database);
        ArgumentOutOfRangeException.ThrowIfLessThan(timeoutMs, 1);
        return new RedisConnectionConfig([$"{host}:{port}"], false, password, database, timeoutMs);
    }

    /// <summary>A Redis Cluster reached through any of <paramref name="nodes"/> (host:port each).</summary>
    public static RedisConnectionConfig Cluster(IEnumerable<string> nodes, string? password = null, int timeoutMs = 2000)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var list = nodes.ToArray();
        if (list.Length == 0 || list.Any(n => string.IsNullOrWhiteSpace(n) || !n.Contains(':', StringComparison.Ordinal)))
        {
            throw new ArgumentException("a Redis Cluster config needs at least one node, each as host:port", nameof(nodes));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(timeoutMs, 1);
        return new RedisConnectionConfig(list, true, password, 0, timeoutMs);
    }

    /// <summary>Connects; throws <see cref="RedisConnectionException"/> naming the endpoints when none answers.</summary>
    public ConnectionMultiplexer Connect()
    {
        var options = new ConfigurationOptions
        {
            Password = Password,
            DefaultDatabase = IsCluster ? null : Database,
            ConnectTimeout = TimeoutMs,
            SyncTimeout = TimeoutMs,
            AsyncTimeout = TimeoutMs,
            AbortOnConnectFail = false,
            // A command while the server is away fails at once, so its tuple fails and is replayed, instead of
            // waiting in a backlog the bolt cannot see.
            BacklogPolicy = BacklogPolicy.FailFast,
            ReconnectRetryPolicy = new LinearRetry(200),
        };
        foreach (var e in Endpoints)
        {
            options.EndPoints.Add(e);
        }

        return ConnectionMultiplexer.Connect(options);
    }
}
